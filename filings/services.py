"""Small lookups shared by views and commands."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .choices import FilingStatus
from .models import Activity, Algorithm, Attachment, Disclosure

# Statuses that mean the CAC has (or had) the filing: such an algorithm is on
# the CAC's record, so it leaves through a cancellation filing, not a delete.
WITH_THE_CAC = frozenset(
    {
        FilingStatus.SUBMITTED,
        FilingStatus.RETURNED,
        FilingStatus.FILED,
        FilingStatus.CANCELLED,
        FilingStatus.REVOKED,
    }
)


class DeletionRefused(ValidationError):
    pass


def deletion_refusal(algorithm: Algorithm) -> str | None:
    """Why the algorithm may not be deleted, or None when it may."""
    filings = list(algorithm.filings.all())
    if any(f.status in WITH_THE_CAC or f.filing_number or f.filed_version_id for f in filings):
        return _(
            "This algorithm has been submitted to or filed with the CAC, so its record stays. "
            "To take it off the register, record a cancellation filing (注销备案) once the "
            "service has ended."
        )
    return None


def delete_algorithm(algorithm: Algorithm, *, by) -> None:
    """Delete an algorithm that never reached the CAC, with everything that hangs off it.

    Each deleted row keeps a deletion entry in its change history (simple_history),
    and the workspace's activity feed records who deleted what.
    """
    with transaction.atomic():
        # Lock the row: a filing moved on meanwhile must still refuse the delete.
        locked = Algorithm.objects.select_for_update().get(pk=algorithm.pk)
        reason = deletion_refusal(locked)
        if reason:
            raise DeletionRefused(reason)
        name = locked.name
        Activity.objects.create(
            workspace_id=locked.workspace_id,
            actor=by,
            verb=Activity.Verb.OTHER,
            detail=name,
            data={"event": "algorithm_deleted", "algorithm": locked.pk, "name": name},
        )
        locked._history_user = by
        locked.delete()


def attachment_slots(algorithm: Algorithm) -> set[str]:
    """The slots that hold at least one file, for the algorithm and its provider."""
    return set(
        Attachment.objects.filter(workspace_id=algorithm.workspace_id)
        .filter(algorithm=algorithm)
        .values_list("slot", flat=True)
    ) | set(
        Attachment.objects.filter(provider_id=algorithm.provider_id).values_list("slot", flat=True)
    )


def peer_disclosures(algorithm: Algorithm) -> list[dict]:
    """The workspace's other algorithms as {"name", "disclosure"}, for the
    checks that compare an algorithm's snapshot with its neighbours
    (checks.run_checks(peers=…)). One query."""
    from .checks import DISCLOSURE_ROWS

    rows = (
        Disclosure.objects.filter(workspace_id=algorithm.workspace_id)
        .exclude(algorithm_id=algorithm.pk)
        .values_list("algorithm__name", *DISCLOSURE_ROWS)
    )
    return [
        {"name": name, "disclosure": dict(zip(DISCLOSURE_ROWS, texts, strict=True))}
        for name, *texts in rows
    ]


def workspace_attachment_slots(workspace) -> dict[str, set[str]]:
    """Per algorithm name, the slots holding a file: its own and its provider's
    (as checks.run_checks and checks.completeness take them). Three queries."""
    algorithms = list(
        Algorithm.objects.filter(workspace=workspace).values_list("name", "provider_id")
    )
    slots: dict[str, set[str]] = {name: set() for name, _provider in algorithms}
    provider_slots: dict[int, set[str]] = {}
    for provider_id, slot in Attachment.objects.filter(
        workspace=workspace, provider__isnull=False
    ).values_list("provider_id", "slot"):
        provider_slots.setdefault(provider_id, set()).add(slot)
    for name, provider_id in algorithms:
        slots[name] |= provider_slots.get(provider_id, set())
    for name, slot in Attachment.objects.filter(
        workspace=workspace, algorithm__isnull=False
    ).values_list("algorithm__name", "slot"):
        slots.setdefault(name, set()).add(slot)
    return slots


def registry_lookup():
    """The CAC registry lookup for third-party filing numbers, when the registry app is installed."""
    try:
        from registry.lookup import describe_third_party_number
    except ImportError:  # pragma: no cover - the registry app ships with the project
        return None
    return describe_third_party_number
