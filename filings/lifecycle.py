"""The filing status lifecycle: the one place that says which status may
follow which, and who may move a filing along.

Statuses are the codes of shared/spec/interchange.md. The table is data so
that a reader sees the whole machine at once; each move names the
capabilities that allow it (any one of them), and which roles have those is
the table of workspaces.permissions:

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
from django.utils.translation import ngettext

from workspaces.permissions import Capability, role_may

from .choices import FilingStatus as S
from .models import InvalidTransition, SnapshotVersion


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    capabilities: frozenset[Capability]
    label: str

    def allows(self, role: str | None) -> bool:
        return any(role_may(role, capability) for capability in self.capabilities)


_EDIT = frozenset({Capability.EDIT})
_REVIEW = frozenset({Capability.REVIEW})
_CAC = frozenset({Capability.RECORD_CAC_EVENTS})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.IN_REVIEW, _EDIT, _("Request review")),
    Transition(S.IN_REVIEW, S.DRAFT, _EDIT, _("Withdraw from review")),
    Transition(S.IN_REVIEW, S.CHANGES_REQUESTED, _REVIEW, _("Request changes")),
    Transition(S.IN_REVIEW, S.APPROVED, _REVIEW, _("Approve")),
    Transition(S.CHANGES_REQUESTED, S.DRAFT, _EDIT, _("Resume editing")),
    Transition(S.CHANGES_REQUESTED, S.IN_REVIEW, _EDIT, _("Request review again")),
    # Any change to approved content withdraws the approval (back to draft).
    Transition(S.APPROVED, S.DRAFT, _EDIT | _REVIEW, _("Withdraw approval")),
    Transition(S.APPROVED, S.SUBMITTED, _CAC, _("Record submission to the CAC")),
    Transition(S.SUBMITTED, S.RETURNED, _CAC, _("Record return for correction")),
    Transition(S.SUBMITTED, S.FILED, _CAC, _("Record filing number")),
    Transition(S.RETURNED, S.DRAFT, _EDIT, _("Correct and resubmit")),
    Transition(S.FILED, S.CANCELLED, _CAC, _("Record cancellation")),
    Transition(S.FILED, S.REVOKED, _CAC, _("Record revocation by the CAC")),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}

# What the version a move pins is recorded as (the others: a status change).
PINNED_AS = {
    S.IN_REVIEW: SnapshotVersion.Reason.REVIEW_REQUESTED,
    S.CHANGES_REQUESTED: SnapshotVersion.Reason.DECISION,
    S.APPROVED: SnapshotVersion.Reason.APPROVED,
    S.SUBMITTED: SnapshotVersion.Reason.SUBMITTED,
    S.RETURNED: SnapshotVersion.Reason.RETURNED,
    S.FILED: SnapshotVersion.Reason.FILED,
}

# Groupings of statuses, read by the pages, the deadlines and the documents;
# a new status is placed in each of them here.
TERMINAL = frozenset({S.CANCELLED, S.REVOKED})
# Nothing is with the CAC yet: the provider still has to file (filings.deadlines).
TO_FILE = frozenset({S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.RETURNED})
# Approved internally, and everything after: the filing stands for one version
# of the content, and a document of exactly that version carries no 草稿 DRAFT
# mark (filings.snapshot).
APPROVED_STATUSES = frozenset(
    {S.APPROVED, S.SUBMITTED, S.RETURNED, S.FILED, S.CANCELLED, S.REVOKED}
)
# The CAC has (or had) the filing: its algorithm is on the CAC's record and
# leaves through a cancellation filing, not a delete (filings.services).
WITH_THE_CAC = frozenset({S.SUBMITTED, S.RETURNED, S.FILED, S.CANCELLED, S.REVOKED})
# A filing whose number the CAC issued and that is (or was) on its record.
NUMBERED = frozenset({S.FILED, S.CANCELLED, S.REVOKED})
# Being reviewed: the review page shows what changed since review was requested.
UNDER_REVIEW = frozenset({S.IN_REVIEW, S.CHANGES_REQUESTED})
# Moves made on the review page (reviews), which records who asked whom, who
# decided and why, and what the CAC did; the algorithm page offers the others.
REVIEW_PAGE_TARGETS = frozenset(
    {S.IN_REVIEW, S.APPROVED, S.CHANGES_REQUESTED, S.SUBMITTED, S.RETURNED, S.FILED}
)


def find(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((source, target))


def allowed_targets(source: str, role: str | None = None) -> list[str]:
    return [
        t.target for t in TRANSITIONS if t.source == source and (role is None or t.allows(role))
    ]


def apply_transition(
    filing,
    target: str,
    *,
    role: str,
    by=None,
    seen_digest: str | None = None,
    warnings_acknowledged: bool = False,
    **fields,
) -> None:
    """Move `filing` to `target`, or raise InvalidTransition / PermissionDenied.

    The row is locked and its status re-read, so two people pressing
    "approve" and "request changes" at once cannot both succeed. The guards
    (below) are evaluated on the content being frozen: approval is refused
    on check errors, unacknowledged warnings, a `seen_digest` other than the
    current one, or (four eyes) an approver who last changed the data.
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
        if not transition.allows(role):
            raise PermissionDenied(
                _("Your role may not do this: %(action)s.") % {"action": transition.label}
            )
        for name, value in fields.items():
            setattr(current, name, value)
        from .versions import record

        # Every move pins the content it stood on as a version (filings.versions).
        reason = PINNED_AS.get(target, SnapshotVersion.Reason.STATUS)
        if target == S.APPROVED:
            checked, _problems = guard_approval(
                current,
                by=by,
                seen_digest=seen_digest,
                warnings_acknowledged=warnings_acknowledged,
            )
            # Approval freezes exactly the content the guard checked; any later
            # change withdraws it (filings.versions).
            current.approved_version = record(current.algorithm, data=checked, reason=reason)
        else:
            pinned = record(current.algorithm, reason=reason)
        if target == S.SUBMITTED:
            guard_submission(current)
        if target == S.FILED:
            current.filed_version = current.approved_version or pinned
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


# ---------------------------------------------------------------------------
# Guards: what must hold of the content for a move, whoever makes it (the
# review page, the admin, a command, an import all come through
# apply_transition). Each is a function of the problems or the versions, so
# that a later rule (e.g. errors that block only the submission) filters
# the same lists.
# ---------------------------------------------------------------------------


class GuardRefused(InvalidTransition):
    """A move the content does not allow. `reason` is one of the REFUSED_*
    codes; the problems, digests and author say why, for the page to show."""

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        problems: list | None = None,
        seen_digest: str = "",
        current_digest: str = "",
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.problems = problems or []
        self.seen_digest = seen_digest
        self.current_digest = current_digest


REFUSED_ERRORS = "errors"
REFUSED_WARNINGS = "warnings"
REFUSED_STALE = "stale"
REFUSED_FOUR_EYES = "four_eyes"


def content_problems(algorithm, data: dict) -> list:
    """The checks (filings.checks) on one algorithm's content as
    filings.snapshot.content gives it: the document the CAC receives,
    with the attachment slots it holds, plus the signed and sealed scans
    uploaded now (not part of the hashed content: filings.snapshot.formalities)."""
    from .applicability import catalogue_rules
    from .checks import run_checks
    from .materials import latest_kind
    from .selectors import peer_disclosures
    from .services import registry_lookup
    from .snapshot import formalities

    name = algorithm.name or None
    slots = {a["slot"] for a in data.get("attachments", [])}
    slots |= {a["slot"] for a in formalities(algorithm)}
    return run_checks(
        data["snapshot"],
        algorithm=name,
        registry_lookup=registry_lookup(),
        peers=peer_disclosures(algorithm),
        attachments={name: slots} if name else None,
        kind=latest_kind(algorithm.filings.order_by("created_at", "pk")),
        catalogue=catalogue_rules(),
    )


def blocking_errors(problems, *, target: str = S.APPROVED) -> list:
    """The problems that refuse a move to `target`: an approval is refused by
    the errors about the content (`blocks` "approval"); recording the
    submission by every error, the missing signed and sealed scans too."""
    from .checks import ERROR

    errors = [p for p in problems if p.severity == ERROR]
    if target == S.APPROVED:
        return [p for p in errors if getattr(p, "blocks", "approval") == "approval"]
    return errors


def submission_errors(problems) -> list:
    """The errors that block only the submission (missing scans, formalities)."""
    from .checks import ERROR

    return [p for p in problems if p.severity == ERROR and getattr(p, "blocks", "") == "submission"]


def open_warnings(problems) -> list:
    from .checks import WARNING

    return [p for p in problems if p.severity == WARNING]


def approval_refusal(problems, *, warnings_acknowledged: bool) -> GuardRefused | None:
    """Why these problems refuse an approval, or None: any error does; open
    warnings do until the reviewer acknowledges them."""
    errors = blocking_errors(problems, target=S.APPROVED)
    if errors:
        return GuardRefused(
            ngettext(
                "The checks report %(count)d error: correct it before approving.",
                "The checks report %(count)d errors: correct them before approving.",
                len(errors),
            )
            % {"count": len(errors)},
            reason=REFUSED_ERRORS,
            problems=errors,
        )
    warnings = open_warnings(problems)
    if warnings and not warnings_acknowledged:
        return GuardRefused(
            ngettext(
                "The checks report %(count)d warning: confirm that you have read it to approve.",
                "The checks report %(count)d warnings: confirm that you have read them to approve.",
                len(warnings),
            )
            % {"count": len(warnings)},
            reason=REFUSED_WARNINGS,
            problems=warnings,
        )
    return None


def stale_refusal(seen_digest: str | None, current_digest: str) -> GuardRefused | None:
    """An approval is of the version the reviewer saw: another current one refuses it."""
    if seen_digest is None or seen_digest == current_digest:
        return None
    return GuardRefused(
        _(
            "The data changed after you opened the review: approve only what you have seen. "
            "Look at the changes below, then decide again."
        ),
        reason=REFUSED_STALE,
        seen_digest=seen_digest,
        current_digest=current_digest,
    )


def last_changed_by(algorithm, digest: str):
    """The id of the user who made the content what it is (digest `digest`),
    or None when no one is known.

    It is the author of the newest recorded version, when that version is
    this content: filings.versions records the content whenever its digest
    changes, for every path that writes (forms, autosave, imports, answers,
    attachments, a shared provider edited from another algorithm), with the
    user of the request that wrote; an edit by someone else than the author
    of the newest editing version starts a version of its own. The per-model
    history would also count saves that change nothing filed and spreads one
    change over a dozen tables. A content no version records yet (written
    around the signals) has no known author."""
    from .models import SnapshotVersion

    latest = (
        SnapshotVersion.objects.filter(algorithm_id=algorithm.pk)
        .order_by("-pk")
        .values_list("digest", "created_by_id")
        .first()
    )
    if latest is None or latest[0] != digest:
        return None
    return latest[1]


def four_eyes_refusal(workspace, *, approver_id, author_id) -> GuardRefused | None:
    """With the workspace's four-eyes rule on, whoever last changed the data
    does not approve it (nor an approver who is not known)."""
    if not workspace.four_eyes or author_id is None:
        return None
    if approver_id is not None and approver_id != author_id:
        return None
    return GuardRefused(
        _(
            "Four eyes: you made the latest change to this data, so someone else approves it. "
            "(An owner can switch this rule off on the members page.)"
        ),
        reason=REFUSED_FOUR_EYES,
    )


def guard_approval(
    filing, *, by, seen_digest: str | None = None, warnings_acknowledged: bool = False
) -> tuple[dict, list]:
    """Raise GuardRefused unless `by` may approve the filing's content as it
    is now; return that content (the one to freeze) and its problems."""
    from .snapshot import content, digest

    algorithm = filing.algorithm
    data = content(algorithm)
    value = digest(data)
    problems = content_problems(algorithm, data)
    refusal = stale_refusal(seen_digest, value)
    refusal = refusal or approval_refusal(problems, warnings_acknowledged=warnings_acknowledged)
    refusal = refusal or four_eyes_refusal(
        filing.workspace,
        approver_id=getattr(by, "pk", None),
        author_id=last_changed_by(algorithm, value),
    )
    if refusal is not None:
        raise refusal
    return data, problems


def guard_submission(filing) -> None:
    """Raise GuardRefused while the checks report an error on the content to be
    submitted (the approved version; the checks also depend on the date)."""
    from .snapshot import content

    version = filing.approved_version
    data = version.data if version is not None else content(filing.algorithm)
    errors = blocking_errors(content_problems(filing.algorithm, data), target=S.SUBMITTED)
    if errors:
        raise GuardRefused(
            ngettext(
                "The checks report %(count)d error: correct it before recording the submission.",
                "The checks report %(count)d errors: correct them before recording the submission.",
                len(errors),
            )
            % {"count": len(errors)},
            reason=REFUSED_ERRORS,
            problems=errors,
        )


# ---------------------------------------------------------------------------
# Change filings and filing-number corrections (filings.changes)
# ---------------------------------------------------------------------------

# Starting a change filing (变更备案) is preparing a filing: Capability.EDIT.
# Correcting a recorded filing number: Capability.CORRECT_FILING_NUMBER (the
# number is the CAC's, so a correction is rare and recorded with its reason).


def change_filing_refusal(filings, *, role: str | None, change_due: bool) -> str | None:
    """Why a change filing may not be started now, or None when it may.

    `filings` are the algorithm's filings, oldest first; `change_due` says
    whether the filed data differs in a field the CAC treats as a change.
    """
    if not role_may(role, Capability.EDIT):
        return str(
            _("Your role may not do this: %(action)s.") % {"action": _("Start change filing")}
        )
    latest = filings[-1] if filings else None
    if latest is not None and latest.kind == "change" and latest.status != S.FILED:
        return str(_("A change filing is already open for this algorithm."))
    if latest is None or latest.status != S.FILED:
        return str(_("Only a filed algorithm gets a change filing."))
    if not change_due:
        return str(
            _(
                "No change filing is due: the data filed with the CAC has not changed in a "
                "field the CAC treats as a change."
            )
        )
    return None


def number_correction_refusal(filing, *, role: str | None) -> str | None:
    """Why the filing number of `filing` may not be corrected, or None when it may."""
    if not role_may(role, Capability.CORRECT_FILING_NUMBER):
        return str(_("Only an owner of the workspace may correct a filing number."))
    if filing.status not in NUMBERED or not filing.filing_number:
        return str(_("Only a filing number already recorded can be corrected."))
    return None


def imported_status(status: str) -> str:
    """The status an imported filing starts in. An approval is a reviewer's
    statement, made here, about one version she saw and the checks passed: a
    document cannot carry one, so an imported "approved" filing arrives as a
    draft, to be reviewed. What the CAC did (submitted, filed, …) is a fact
    and is kept."""
    return S.DRAFT if status == S.APPROVED else status
