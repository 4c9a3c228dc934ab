import pytest
from django.core.exceptions import PermissionDenied

from filings import lifecycle
from filings.choices import FilingStatus as S
from filings.models import InvalidTransition
from tests.factories import FilingFactory, complete_algorithm
from workspaces.models import Role

pytestmark = pytest.mark.django_db

ALLOWED = {
    (S.DRAFT, S.IN_REVIEW),
    (S.IN_REVIEW, S.DRAFT),
    (S.IN_REVIEW, S.CHANGES_REQUESTED),
    (S.IN_REVIEW, S.APPROVED),
    (S.CHANGES_REQUESTED, S.DRAFT),
    (S.CHANGES_REQUESTED, S.IN_REVIEW),
    (S.APPROVED, S.DRAFT),
    (S.APPROVED, S.SUBMITTED),
    (S.SUBMITTED, S.RETURNED),
    (S.SUBMITTED, S.FILED),
    (S.RETURNED, S.DRAFT),
    (S.FILED, S.CANCELLED),
    (S.FILED, S.REVOKED),
}


def test_the_table_is_exactly_the_designed_machine():
    assert {(t.source, t.target) for t in lifecycle.TRANSITIONS} == ALLOWED


def test_terminal_statuses_lead_nowhere():
    for status in lifecycle.TERMINAL:
        assert lifecycle.allowed_targets(status) == []


# Approval and submission are guarded by the checks: they need complete data.
GUARDED = frozenset({S.APPROVED, S.SUBMITTED})


def _filing(status: str, target: str, **fields):
    if target in GUARDED:
        fields["algorithm"] = complete_algorithm()
    return FilingFactory(status=status, **fields)


def _acknowledged(target: str) -> dict:
    # complete_algorithm leaves two warnings open: the approver acknowledges them.
    return {"warnings_acknowledged": True} if target == S.APPROVED else {}


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_each_allowed_transition_succeeds_for_an_owner(source, target):
    filing = _filing(source, target, filing_number="网信算备110108823483901230031号")
    filing.transition(target, role=Role.OWNER, **_acknowledged(target))
    filing.refresh_from_db()
    assert filing.status == target


REFUSED = sorted((a, b) for a in S.values for b in S.values if a != b and (a, b) not in ALLOWED)


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_other_transition_is_refused(source, target):
    filing = FilingFactory(status=source, filing_number="网信算备110108823483901230031号")
    with pytest.raises(InvalidTransition):
        filing.transition(target, role=Role.OWNER)
    filing.refresh_from_db()
    assert filing.status == source


def test_an_unknown_status_is_refused():
    filing = FilingFactory()
    with pytest.raises(InvalidTransition):
        filing.transition("published", role=Role.OWNER)


@pytest.mark.parametrize(
    ("role", "source", "target", "allowed"),
    [
        (Role.EDITOR, S.DRAFT, S.IN_REVIEW, True),
        (Role.REVIEWER, S.DRAFT, S.IN_REVIEW, False),
        (Role.VIEWER, S.DRAFT, S.IN_REVIEW, False),
        (Role.REVIEWER, S.IN_REVIEW, S.APPROVED, True),
        (Role.EDITOR, S.IN_REVIEW, S.APPROVED, False),
        (Role.VIEWER, S.IN_REVIEW, S.APPROVED, False),
        (Role.REVIEWER, S.IN_REVIEW, S.CHANGES_REQUESTED, True),
        (Role.EDITOR, S.IN_REVIEW, S.CHANGES_REQUESTED, False),
        (Role.EDITOR, S.APPROVED, S.SUBMITTED, True),
        (Role.REVIEWER, S.APPROVED, S.SUBMITTED, False),
    ],
)
def test_who_may_move_a_filing(role, source, target, allowed):
    filing = _filing(source, target)
    if allowed:
        filing.transition(target, role=role, **_acknowledged(target))
        assert filing.status == target
    else:
        with pytest.raises(PermissionDenied):
            filing.transition(target, role=role)
        filing.refresh_from_db()
        assert filing.status == source


def test_recording_the_filing_needs_the_number():
    from django.core.exceptions import ValidationError

    filing = FilingFactory(status=S.SUBMITTED)
    with pytest.raises(ValidationError):
        filing.transition(S.FILED, role=Role.EDITOR)
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED
    filing.transition(S.FILED, role=Role.EDITOR, filing_number="网信算备110108823483901230031号")
    assert filing.status == S.FILED and filing.filing_number.endswith("0031号")


def test_a_stale_instance_cannot_skip_the_current_status():
    filing = FilingFactory(status=S.IN_REVIEW)
    stale = type(filing).objects.get(pk=filing.pk)
    filing.transition(S.CHANGES_REQUESTED, role=Role.REVIEWER)
    # The stale copy still says in_review; the lifecycle reads the row again and refuses.
    with pytest.raises(InvalidTransition):
        stale.transition(S.APPROVED, role=Role.REVIEWER)
