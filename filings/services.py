"""Small lookups shared by views and commands."""

from __future__ import annotations

from .models import Algorithm, Attachment


def attachment_slots(algorithm: Algorithm) -> set[str]:
    """The slots that hold at least one file, for the algorithm and its provider."""
    return set(
        Attachment.objects.filter(workspace_id=algorithm.workspace_id)
        .filter(algorithm=algorithm)
        .values_list("slot", flat=True)
    ) | set(
        Attachment.objects.filter(provider_id=algorithm.provider_id).values_list("slot", flat=True)
    )


def registry_lookup():
    """The CAC registry lookup for third-party filing numbers, when the registry app is installed."""
    try:
        from registry.lookup import describe_third_party_number
    except ImportError:  # pragma: no cover - the registry app ships with the project
        return None
    return describe_third_party_number
