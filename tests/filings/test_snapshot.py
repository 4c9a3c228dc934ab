"""filings.snapshot: one content, one digest, and what is lifecycle bookkeeping."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.workspace import load_demo
from filings import interchange, snapshot, versions
from filings.attachments import attachment_create
from filings.choices import FilingKind, FilingStatus
from filings.models import Algorithm, Filing, SnapshotVersion
from tests.filings.test_attachments import PDF
from workspaces.models import Role

pytestmark = pytest.mark.django_db

FEED = "示例新闻个性化推荐算法"  # filed in the demo
SEARCH = "示例新闻搜索算法"  # in review in the demo


def _digest(algorithm) -> str:
    return snapshot.digest(snapshot.content(algorithm))


def test_there_is_one_digest():
    assert versions.content is snapshot.content and versions.digest is snapshot.digest
    assert not hasattr(interchange, "snapshot_hash")


def test_the_content_holds_no_lifecycle_records_and_the_attachments():
    load_demo()
    algorithm = Algorithm.objects.get(name=FEED)
    data = snapshot.content(algorithm)
    assert set(data) == {"snapshot", "attachments"}
    assert "workspace" not in data["snapshot"] and "exported_at" not in data["snapshot"]
    (provider,) = data["snapshot"]["providers"]
    (filed,) = provider["algorithms"]
    assert "filings" not in filed and filed["name"] == FEED
    # The rest is the interchange snapshot, unchanged.
    full = interchange.algorithm_snapshot(algorithm)
    assert full["providers"][0]["algorithms"][0]["filings"]
    assert {
        k: v for k, v in full["providers"][0]["algorithms"][0].items() if k != "filings"
    } == filed


def test_recording_a_status_a_number_or_a_date_changes_no_digest():
    load_demo()
    algorithm = Algorithm.objects.get(name=SEARCH)
    before = _digest(algorithm)
    filing = algorithm.filings.get()
    filing.transition(FilingStatus.APPROVED, role=Role.REVIEWER, warnings_acknowledged=True)
    assert _digest(algorithm) == before
    filing.transition(FilingStatus.SUBMITTED, role=Role.EDITOR, submitted_on=dt.date(2025, 1, 6))
    filing.transition(
        FilingStatus.FILED,
        role=Role.EDITOR,
        filing_number="网信算备110108823483901240077号",
        filed_on=dt.date(2025, 2, 3),
    )
    Filing.objects.create(
        workspace=algorithm.workspace,
        algorithm=algorithm,
        kind=FilingKind.CHANGE,
        change_summary="变更说明",
        event_on=dt.date(2025, 3, 1),
    )
    algorithm.workspace.name = "改名后的工作区"
    algorithm.workspace.save()
    algorithm = Algorithm.objects.get(pk=algorithm.pk)
    assert _digest(algorithm) == before
    filing.refresh_from_db()
    assert filing.approved_version.digest == filing.filed_version.digest == before


def test_content_and_attachments_change_the_digest():
    load_demo()
    algorithm = Algorithm.objects.get(name=SEARCH)
    first = _digest(algorithm)
    algorithm.summary = "新的简介。"
    algorithm.save()
    second = _digest(algorithm)
    assert second != first
    attachment_create(
        slot="flowchart", uploaded=SimpleUploadedFile("图.pdf", PDF), algorithm=algorithm
    )
    assert _digest(algorithm) not in (first, second)


def test_computing_the_digest_records_nothing():
    load_demo()
    algorithm = Algorithm.objects.get(name=SEARCH)
    before = SnapshotVersion.objects.count()
    snapshot.current(algorithm)
    snapshot.lifecycle(algorithm, _digest(algorithm))
    assert SnapshotVersion.objects.count() == before


class TestLifecycle:
    def test_no_filing_and_a_draft_filing_are_drafts(self):
        load_demo()
        algorithm = Algorithm.objects.get(name=SEARCH)
        Filing.objects.filter(algorithm=algorithm).delete()
        empty = {"final": False, "kind": "", "status": "", "filing_number": ""}
        assert snapshot.lifecycle(algorithm, _digest(algorithm)) == empty
        Filing.objects.create(workspace=algorithm.workspace, algorithm=algorithm)
        stamp = snapshot.lifecycle(algorithm, _digest(algorithm))
        assert stamp == {**empty, "kind": "initial", "status": "draft"}

    def test_only_the_version_the_approval_stands_for_is_final(self):
        load_demo()
        algorithm = Algorithm.objects.get(name=SEARCH)
        filing = algorithm.filings.get()
        filing.transition(FilingStatus.APPROVED, role=Role.REVIEWER, warnings_acknowledged=True)
        filing.refresh_from_db()
        approved = filing.approved_version.digest
        assert snapshot.lifecycle(algorithm, approved)["final"] is True
        assert snapshot.lifecycle(algorithm, "0" * 64) == {
            "final": False,
            "kind": "initial",
            "status": "",  # not the approved data: its status is not this text's
            "filing_number": "",
        }
        # A status set without a version stands for nothing.
        Filing.objects.filter(pk=filing.pk).update(approved_version=None)
        assert snapshot.lifecycle(algorithm, approved)["final"] is False

    def test_a_filed_algorithm_edited_since_is_a_draft_and_its_filed_text_is_not(self):
        load_demo()
        algorithm = Algorithm.objects.get(name=SEARCH)
        filing = algorithm.filings.get()
        filing.transition(FilingStatus.APPROVED, role=Role.REVIEWER, warnings_acknowledged=True)
        filing.transition(FilingStatus.SUBMITTED, role=Role.EDITOR)
        number = "网信算备110108823483901240078号"
        filing.transition(FilingStatus.FILED, role=Role.EDITOR, filing_number=number)
        filing.refresh_from_db()
        filed = filing.filed_version.digest
        # A change filing started, nothing edited yet: the text is still the filed one.
        Filing.objects.create(
            workspace=algorithm.workspace, algorithm=algorithm, kind=FilingKind.CHANGE
        )
        assert snapshot.lifecycle(algorithm, filed) == {
            "final": True,
            "kind": "initial",
            "status": "filed",
            "filing_number": number,
        }
        algorithm.summary = "备案之后改过的简介。"
        algorithm.save()
        edited = _digest(algorithm)
        assert edited != filed
        assert snapshot.lifecycle(algorithm, edited) == {
            "final": False,
            "kind": "change",
            "status": "draft",
            "filing_number": "",
        }


def test_the_migration_redigests_versions_recorded_with_bookkeeping():
    """Versions stored before the one-digest change held the workspace and the
    export time; after the migration they equal today's digest again, so a
    filed algorithm does not look changed and its approval stays."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("filings.migrations.0010_versions_digest_content_only")
    load_demo()
    algorithm = Algorithm.objects.get(name=FEED)
    version = versions.record(algorithm)
    old = {**version.data}
    old["snapshot"] = {
        **old["snapshot"],
        "workspace": {"name": "demo"},
        "exported_at": "2026-11-01T00:00:00Z",
    }
    SnapshotVersion.objects.filter(pk=version.pk).update(data=old, digest=snapshot.digest(old))
    assert SnapshotVersion.objects.get(pk=version.pk).digest != _digest(algorithm)

    migration.redigest(apps, None)

    version.refresh_from_db()
    assert version.digest == _digest(algorithm)
    assert "workspace" not in version.data["snapshot"]
