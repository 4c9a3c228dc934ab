"""One "a change filing is due" computation: filings.changes.change_status says
since when the filed data differs in a 变更 field, filings.deadlines turns it
into what is due next; the dashboard's flag, the review app and the deadline
read the same answer in every state of the algorithm's filings."""

from __future__ import annotations

import datetime as dt

import pytest

from filings import changes, deadlines, interchange
from filings.choices import FilingKind
from filings.choices import FilingStatus as S
from filings.models import Filing
from reviews import services as review_services
from tests.factories import AlgorithmFactory, DeploymentFactory, FilingFactory, ProviderFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

NUMBER = "网信算备110108823483901230031号"


@pytest.fixture
def filed_and_changed(workspace, member_factory, django_capture_on_commit_callbacks):
    """A filed algorithm whose legal representative (a 变更 field) changed since."""
    with django_capture_on_commit_callbacks(execute=True):
        provider = ProviderFactory(workspace=workspace, legal_rep_name="张三")
        algorithm = AlgorithmFactory(provider=provider, name="示例新闻推荐算法")
        DeploymentFactory(algorithm=algorithm, function_name="首页推荐")
    filing = FilingFactory(algorithm=algorithm)
    Filing.objects.filter(pk=filing.pk).update(
        status=S.SUBMITTED, submitted_on=dt.date(2025, 2, 20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        review_services.filing_record(
            filing=filing,
            by=member_factory(workspace, Role.EDITOR),
            filing_number=NUMBER,
            filed_on=dt.date(2025, 2, 28),
        )
    provider.legal_rep_name = "王五"
    with django_capture_on_commit_callbacks(execute=True):
        provider.save()
    return algorithm


def _next(algorithm):
    change = changes.change_status(algorithm)
    document = interchange.algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
    return change, deadlines.next_deadline(
        document, changed_on=change.changed_on if change else None
    )


# (kind, status) of a filing started after the filed one; None: none started.
STATES = [
    (None, True),
    ((FilingKind.CHANGE, S.DRAFT), True),
    ((FilingKind.CHANGE, S.APPROVED), True),
    ((FilingKind.CHANGE, S.SUBMITTED), False),
    ((FilingKind.CANCELLATION, S.DRAFT), False),
]


@pytest.mark.parametrize("later, owed", STATES)
def test_the_deadline_and_the_change_status_agree(filed_and_changed, later, owed):
    algorithm = filed_and_changed
    change, _upcoming = _next(algorithm)
    assert change is not None
    if later is not None:
        kind, status = later
        FilingFactory(
            algorithm=algorithm,
            kind=kind,
            status=status,
            event_on=change.changed_on,
            submitted_on=dt.date(2025, 3, 10) if status == S.SUBMITTED else None,
        )
    change, upcoming = _next(algorithm)
    assert deadlines.change_filing_owed(upcoming) is owed
    if owed:
        # The same day and the same deadline, from the one rule.
        assert upcoming.event == change.changed_on
        assert upcoming.deadline == change.deadline
        assert review_services.change_due(algorithm) == (True, change.deadline, change.changes)


def test_nothing_is_owed_without_a_change(workspace):
    algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
    change, upcoming = _next(algorithm)
    assert change is None and not deadlines.change_filing_owed(upcoming)
