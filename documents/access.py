"""Which variant of a document a member gets: the table's rules
(workspaces.permissions) applied to the two variants of a PDF.

- Generating: owners and editors (who see personal data in full) get the full
  variant; reviewers get a masked copy unless they ask for the full one.
- Downloading a masked copy: everyone who may download documents.
- Downloading a full file (a full PDF, the submission bundle): those who see
  personal data in full, and reviewers when they ask for it explicitly (the
  links that say "in full" carry `?personal=full`). Each such download is
  recorded in the audit log (`record_full_download`).
"""

from __future__ import annotations

from django.http import HttpRequest

from filings import pii
from workspaces.permissions import Capability
from workspaces.scoping import Access

# The query parameter of a reviewer's explicit "in full" download.
FULL_PARAM = "personal"
FULL_VALUE = "full"

PLAIN = "plain"  # the file as it is: a masked copy, or a full one for who sees it in full
REVEAL = "reveal"  # a full file, only when asked for explicitly


def generates_masked(access: Access, *, full_requested: bool = False) -> bool:
    """Whether a generate request of this member renders the masked copy."""
    if access.may(Capability.SEE_PERSONAL_DATA_FULL):
        return False
    return not (full_requested and access.may(Capability.REVEAL_PERSONAL_DATA))


def may_ask_full(access: Access) -> bool:
    """Whether the generate form offers "with personal data in full" (reviewers)."""
    return access.may(Capability.REVEAL_PERSONAL_DATA) and not access.may(
        Capability.SEE_PERSONAL_DATA_FULL
    )


def download_mode(access: Access, *, masked: bool) -> str | None:
    """How this member may download a file of this variant: PLAIN, REVEAL, or None."""
    if not access.may(Capability.DOWNLOAD_DOCUMENTS):
        return None
    if masked or access.may(Capability.SEE_PERSONAL_DATA_FULL):
        return PLAIN
    if access.may(Capability.REVEAL_PERSONAL_DATA):
        return REVEAL
    return None


def may_download_now(request: HttpRequest, access: Access, *, masked: bool) -> bool:
    """Whether this request may have the file: a REVEAL needs `?personal=full`."""
    mode = download_mode(access, masked=masked)
    if mode == REVEAL:
        return request.GET.get(FULL_PARAM) == FULL_VALUE
    return mode == PLAIN


def record_full_download(request: HttpRequest, access: Access, job, *, extra=()) -> None:
    """One audit entry for a download that carries the provider's personal data
    in full: the numbers the rendered version holds (and `extra` fields, the
    ID copies of the bundle). Nothing is recorded for a file without them."""
    try:
        provider = job.snapshot_data()["providers"][0]
    except (LookupError, TypeError):
        provider = {}
    fields = [
        field
        for field, (part, key) in pii.SNAPSHOT_KEYS.items()
        if (provider.get(part) or {}).get(key)
    ]
    fields = [*extra, *fields]
    if fields:
        pii.record_view(request, access, provider_id=job.algorithm.provider_id, fields=fields)
