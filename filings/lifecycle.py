"""The filing status lifecycle: the one place that says which status may
follow which, and who may move a filing along.

Statuses are the codes of shared/spec/interchange.md. The table is data so
that a reader sees the whole machine at once:

    draft ──► in_review ──► approved ──► submitted ──► filed ──► cancelled
      ▲          │   │          │            │           └─────► revoked
      │          ▼   │          │            ▼
      └── changes_requested     │         returned ──► (back to draft)
      └──────────────┴──────────┘  (withdraw review / approval)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workspaces.models import Role

from .choices import FilingStatus as S


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[str]
    label: str


_EDITORS = frozenset({Role.OWNER, Role.EDITOR})
_REVIEWERS = frozenset({Role.OWNER, Role.REVIEWER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.IN_REVIEW, _EDITORS, _("Request review")),
    Transition(S.IN_REVIEW, S.DRAFT, _EDITORS, _("Withdraw from review")),
    Transition(S.IN_REVIEW, S.CHANGES_REQUESTED, _REVIEWERS, _("Request changes")),
    Transition(S.IN_REVIEW, S.APPROVED, _REVIEWERS, _("Approve")),
    Transition(S.CHANGES_REQUESTED, S.DRAFT, _EDITORS, _("Resume editing")),
    Transition(S.CHANGES_REQUESTED, S.IN_REVIEW, _EDITORS, _("Request review again")),
    # Any change to approved content withdraws the approval (back to draft).
    Transition(S.APPROVED, S.DRAFT, _EDITORS | _REVIEWERS, _("Withdraw approval")),
    Transition(S.APPROVED, S.SUBMITTED, _EDITORS, _("Record submission to the CAC")),
    Transition(S.SUBMITTED, S.RETURNED, _EDITORS, _("Record return for correction")),
    Transition(S.SUBMITTED, S.FILED, _EDITORS, _("Record filing number")),
    Transition(S.RETURNED, S.DRAFT, _EDITORS, _("Correct and resubmit")),
    Transition(S.FILED, S.CANCELLED, _EDITORS, _("Record cancellation")),
    Transition(S.FILED, S.REVOKED, _EDITORS, _("Record revocation by the CAC")),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}
TERMINAL = frozenset({S.CANCELLED, S.REVOKED})


def find(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((source, target))


def allowed_targets(source: str, role: str | None = None) -> list[str]:
    return [
        t.target for t in TRANSITIONS if t.source == source and (role is None or role in t.roles)
    ]


def apply_transition(filing, target: str, *, role: str, by=None, **fields) -> None:
    """Move `filing` to `target`, or raise InvalidTransition / PermissionDenied.

    The row is locked and its status re-read, so two people pressing
    "approve" and "request changes" at once cannot both succeed.
    """
    from .models import Filing, InvalidTransition

    with transaction.atomic():
        current = Filing.objects.select_for_update().get(pk=filing.pk)
        transition = find(current.status, target)
        if transition is None:
            raise InvalidTransition(
                _("A filing cannot go from %(source)s to %(target)s.")
                % {
                    "source": current.get_status_display(),
                    "target": S(target).label if target in S.values else target,
                }
            )
        if role not in transition.roles:
            raise PermissionDenied(
                _("Your role may not do this: %(action)s.") % {"action": transition.label}
            )
        for name, value in fields.items():
            setattr(current, name, value)
        from .versions import freeze

        if target == S.APPROVED:
            # Approval freezes the data as it is now; any later change withdraws it (filings.versions).
            current.approved_version = freeze(current, by=by)
        if target == S.FILED:
            current.filed_version = current.approved_version or freeze(current, by=by)
        source_label = current.get_status_display()
        current.status = target
        current.full_clean()
        current.save()
        from .models import Activity

        Activity.objects.create(
            workspace_id=current.workspace_id,
            algorithm_id=current.algorithm_id,
            filing=current,
            actor=by,
            verb=Activity.Verb.TRANSITION,
            detail=f"{source_label} → {current.get_status_display()}",
            data={"from": transition.source, "to": target},
        )
    filing.refresh_from_db()
