"""The import writes in batches (bench/interchange_roundtrip.py): new algorithms
and everything under them in one insert per model, a valid document checked
by the compiled schema validator, and still all or nothing, versioned and
with its figures marked as if each object had been saved on its own."""

import copy
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.workspace import load_demo
from filings import interchange, snapshot
from filings.interchange import importer, reader
from filings.models import Algorithm, AlgorithmFigures, SnapshotVersion
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_document():
    return json.loads(interchange.dumps(interchange.export_workspace(load_demo())))


def grown(document: dict, n: int, *, filings: bool = True) -> dict:
    """The demo document with its provider's algorithms copied to n, renamed."""
    document = copy.deepcopy(document)
    provider = document["providers"][0]
    templates = provider["algorithms"]
    provider["algorithms"] = []
    for i in range(n):
        algorithm = copy.deepcopy(templates[i % len(templates)])
        algorithm["key"] = f"a{i + 1}"
        algorithm["name"] = f"{algorithm['name']}-{i + 1}"
        if not filings:
            algorithm["filings"] = []
        provider["algorithms"].append(algorithm)
    return document


def queries_to_import(document: dict, slug: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        interchange.import_document(document, workspace=Workspace(slug=slug, name=slug))
    return len(queries)


def test_the_queries_of_an_import_do_not_grow_with_its_algorithms(demo_document):
    # Without filings recorded as filed: each of those records its baseline version.
    few = queries_to_import(grown(demo_document, 3, filings=False), "few")
    many = queries_to_import(grown(demo_document, 15, filings=False), "many")
    assert Algorithm.objects.filter(workspace__slug="many").count() == 15
    # Only SQLite's limit of parameters per statement splits a long insert in two.
    assert many - few < 12, (few, many)


@pytest.mark.django_db(transaction=True)
def test_imported_algorithms_are_versioned_and_marked_once_it_commits(demo_document):
    target = Workspace(slug="target", name="目标")
    interchange.import_document(grown(demo_document, 6), workspace=target)  # commits
    algorithms = list(Algorithm.objects.filter(workspace=target))
    assert len(algorithms) == 6
    for algorithm in algorithms:
        assert algorithm.history.filter(history_type="+").count() == 1
        newest = SnapshotVersion.objects.filter(algorithm=algorithm).order_by("-pk").first()
        assert newest is not None
        assert newest.digest == snapshot.digest(snapshot.content(algorithm))
    assert AlgorithmFigures.objects.filter(algorithm__in=algorithms).count() == 6


def test_an_import_that_fails_while_writing_leaves_nothing(demo_document, monkeypatch):
    calls = []
    original = importer._save_leaves

    def fail_on_the_leaves(leaves, by=None):
        calls.append(1)
        if len(calls) == 2:  # the algorithms and the assessments are written by now
            raise RuntimeError("disk full")
        return original(leaves, by)

    monkeypatch.setattr(importer, "_save_leaves", fail_on_the_leaves)
    with pytest.raises(RuntimeError):
        interchange.import_document(
            grown(demo_document, 4), workspace=Workspace(slug="t", name="t")
        )
    assert len(calls) == 2
    assert not Workspace.objects.filter(slug="t").exists()
    assert not Algorithm.objects.filter(name__endswith="-4").exists()


def test_a_valid_document_is_checked_by_the_compiled_validator_alone(demo_document, monkeypatch):
    from jsonschema import Draft202012Validator

    def slow(*args, **kwargs):
        raise AssertionError("python-jsonschema ran on a valid document")

    monkeypatch.setattr(Draft202012Validator, "iter_errors", slow)
    assert reader.schema_problems(demo_document) == []


def test_an_invalid_document_still_gets_every_problem_with_its_pointer(demo_document):
    document = copy.deepcopy(demo_document)
    document["providers"][0]["algorithms"][0]["surprise"] = 1
    document["providers"][0]["algorithms"][1]["type"] = "not-a-type"
    problems = reader.schema_problems(document)
    pointers = {p.pointer for p in problems}
    assert "/providers/0/algorithms/0/surprise" in pointers
    assert "/providers/0/algorithms/1/type" in pointers


def test_a_value_json_cannot_hold_takes_the_slow_way(demo_document):
    document = copy.deepcopy(demo_document)
    document["providers"][0]["algorithms"][0]["name"] = 10**40  # beyond 64 bits
    problems = reader.schema_problems(document)
    assert "/providers/0/algorithms/0/name" in {p.pointer for p in problems}
