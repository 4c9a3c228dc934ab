"""Length limits and formats are declared once, on the shape fields
(filings.interchange.shapes): for each, the wizard's form, the model, the
checks and the JSON Schema say the same."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict

from filings import placement
from filings.checks import ERROR, WARNING, run_checks
from filings.forms import NumberCorrectionForm
from filings.interchange import json_schema
from filings.interchange.shapes import REFUSED, SHAPES, ruled, set_path
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    DisclosureFactory,
    FilingFactory,
    ProviderFactory,
    ThirdPartyModelFactory,
)

LENGTHS = [(kind, f) for kind, f in ruled("length")]
MOSTS = [(kind, f) for kind, f in LENGTHS if f.length.most is not None]
LEASTS = [(kind, f) for kind, f in LENGTHS if f.length.least is not None]
FORMATS = ruled("format")
# A good and a bad value of each format.
SAMPLES = {
    "validate_uscc": ("91110108MA01ABCD1E", "91110108MA01ABCD1F"),
    "validate_region_code": ("110108", "11010"),
    "validate_mobile": ("13800138000", "1380013800"),
    "validate_filing_number": ("网信算备110108823483901230031号", "网信算备123号"),
}
AT = {
    "provider": ("/providers/0", ()),
    "algorithm": ("/providers/0/algorithms/0", ("algorithms", 0)),
    "deployment": ("/providers/0/algorithms/0/deployments/0", ("algorithms", 0, "deployments", 0)),
    "disclosure": ("/providers/0/algorithms/0/disclosure", ("algorithms", 0, "disclosure")),
    "third_party_model": (
        "/providers/0/algorithms/0/third_party_models/0",
        ("algorithms", 0, "third_party_models", 0),
    ),
    "filing": ("/providers/0/algorithms/0/filings/0", ("algorithms", 0, "filings", 0)),
}
FACTORIES = {
    "provider": ProviderFactory,
    "algorithm": AlgorithmFactory,
    "deployment": DeploymentFactory,
    "disclosure": DisclosureFactory,
    "third_party_model": ThirdPartyModelFactory,
    "filing": FilingFactory,
}


def _ids(rows):
    return [f"{kind}.{f.dotted}" for kind, f in rows]


def _document() -> dict:
    algorithm = {
        "key": "a1",
        "name": "示例算法",
        "deployments": [{"service": "s1"}],
        "disclosure": {},
        "third_party_models": [{}],
        "filings": [{"kind": "initial", "status": "draft"}],
    }
    provider = {"key": "p1", "services": [{"key": "s1"}], "algorithms": [algorithm]}
    return {"format": "suanbei.workspace/1", "providers": [provider]}


def _problems(kind: str, field, value) -> list[tuple[str, str]]:
    """(code, severity) of the problems at the field when it holds `value`."""
    document = _document()
    at, path = AT[kind]
    target = document["providers"][0]
    for part in path:
        target = target[part]
    set_path(target, field.path, value)
    pointer = f"{at}/{'/'.join(field.path)}"
    return [(p.code, p.severity) for p in run_checks(document) if p.pointer == pointer]


def _form(kind: str, field, value):
    """The wizard's panel form for the field, bound with the stored values and `value`."""
    obj = FACTORIES[kind]()
    panel = placement.panel_for(kind, field.attr)
    unbound = panel.form(instance=obj, prefix="p")
    data = MultiValueDict()
    for bound in unbound:
        initial = bound.value()
        if isinstance(initial, list | tuple):
            data.setlist(bound.html_name, [str(v) for v in initial])
        else:
            data[bound.html_name] = "" if initial is None else str(initial)
    data[f"p-{field.attr}"] = value
    form = panel.form(data, instance=copy.copy(obj), prefix="p")
    form.is_valid()
    return form


def _property(kind: str, field) -> dict:
    node = json_schema()["$defs"][kind]
    for part in field.path:
        node = node["properties"][part]
    return node


@pytest.mark.django_db
@pytest.mark.parametrize("kind, field", MOSTS, ids=_ids(MOSTS))
def test_a_length_limit_reads_the_same_in_the_form_the_check_and_the_schema(kind, field):
    length = field.length
    at_most, over = "字" * length.most, "字" * (length.most + 1)
    severity = WARNING if length.over == "warning" else ERROR
    # The check: silent at the limit, its code and severity one character over.
    assert (length.code, severity) not in _problems(kind, field, at_most)
    assert (length.code, severity) in _problems(kind, field, over)
    # The form: its counter counts to the limit; it refuses more only when the
    # limit is REFUSED (a draft may hold a text the checks report).
    form = _form(kind, field, over)
    assert form.fields[field.attr].widget.attrs["data-limit"] == length.most
    assert bool(form.errors.get(field.attr)) is (length.over == REFUSED)
    assert not _form(kind, field, at_most).errors.get(field.attr)
    # The schema: maxLength is the limit when refused, and never below it.
    schema_max = _property(kind, field).get("maxLength")
    if length.over == REFUSED:
        assert schema_max == length.most
    else:
        assert schema_max is None or schema_max > length.most


@pytest.mark.parametrize("kind, field", LEASTS, ids=_ids(LEASTS))
def test_a_minimum_length_warns_below_it_only(kind, field):
    least = field.length.least
    assert ("text_too_short", WARNING) in _problems(kind, field, "字" * (least - 1))
    assert ("text_too_short", WARNING) not in _problems(kind, field, "字 " * least)


@pytest.mark.django_db
@pytest.mark.parametrize("kind, field", FORMATS, ids=_ids(FORMATS))
def test_a_format_reads_the_same_in_the_model_the_form_and_the_check(kind, field):
    good, bad = SAMPLES[field.format.__name__]
    assert ("invalid_format", ERROR) in _problems(kind, field, bad)
    assert ("invalid_format", ERROR) not in _problems(kind, field, good)
    model_field = SHAPES[kind].model._meta.get_field(field.attr)
    with pytest.raises(ValidationError):
        model_field.run_validators(bad)
    model_field.run_validators(good)
    if placement.panel_for(kind, field.attr) is not None:
        assert _form(kind, field, bad).errors.get(field.attr)
        assert not _form(kind, field, good).errors.get(field.attr)


def test_the_number_correction_form_reads_the_filing_numbers_rules():
    assert NumberCorrectionForm({"filing_number": "网信算备123号", "reason": "笔误"}).errors.get(
        "filing_number"
    )
    form = NumberCorrectionForm(
        {"filing_number": "网信算备110108823483901230031号", "reason": "笔误"}
    )
    assert form.is_valid(), form.errors


def test_the_table_declares_the_portals_limits():
    """The numbers the portal and the report template impose [F]."""
    declared = {(kind, f.dotted): f.length for kind, f in MOSTS}
    assert declared[("deployment", "function_description")].most == 500
    assert declared[("deployment", "function_description")].over == REFUSED
    assert declared[("algorithm", "summary")].most == 150
    assert declared[("algorithm", "summary")].code == "summary_too_long"
