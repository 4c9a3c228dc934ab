"""One algorithm's filed content and its SHA-256: the one digest.

    content(algorithm) -> {"snapshot": …, "attachments": […]}
    digest(content)    -> "3f9a…" (SHA-256 of the canonical JSON)

Every digest the product shows or compares is `digest(content(…))`: the
versions (filings.versions records it), the approvals (a filing's approved
and filed version), the review pages, the diff, the PDF footer and cover,
and the render job's reuse check. Computing it never writes; recording it
as a version is filings.versions' job, and only requests that change
something (POST, a render request, a transition) record.

What is content, and so hashed: everything the CAC receives or the PDFs
print about the algorithm, i.e. the interchange document of the algorithm
(filings.interchange.algorithm_snapshot): its provider (identity, people,
security organisation, management systems), the provider's services, the
algorithm with its third-party models, deployments, disclosure texts and
self-assessment (dates, answers, risks, metrics, conclusion), the format
code, and the attachments by slot, file name, SHA-256 of the bytes and
catalogue item, except the signed and sealed scans (below). A third-party model's filing number is content: it
describes the model the algorithm uses.

What is lifecycle bookkeeping, and so left out:

- The algorithm's filings (`…/algorithms/0/filings`): kind, status,
  submission, filing and event dates, the filing number the CAC issued and
  the change summary. A filing row records one application *about* the
  content and moves while the content stays put: recording a submission,
  a return, the CAC's number or a cancellation must not make the approved
  content look changed (it would withdraw the approval or start a change
  filing's clock). What a document prints of them comes from `lifecycle`,
  beside the content, never from the hashed data.
- The moment of the export (`exported_at`) and the workspace's name: our
  own labels, neither filed nor printed. Renaming a workspace is not a
  change the CAC must hear about.
- For attachments: who uploaded them, when, and where the file is stored.
- The signed and sealed scans and other formalities (choices.SUBMISSION_SLOTS:
  licence, ID copies, 承诺书, 主体责任, 工作证明, the signed report). They
  are made after the content is approved, from the approved content, so
  uploading one must not withdraw the approval. `formalities(algorithm)`
  lists them (slot, name, SHA-256) for the package and the submission check.

Limitation, on purpose: a change filing's summary is edited on the filing
and so does not withdraw an approval when it changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Q

from . import interchange
from .choices import SUBMISSION_SLOTS
from .lifecycle import APPROVED_STATUSES
from .models import Algorithm, Attachment, Filing

# The snapshot keys that are bookkeeping, not content (see the module's docstring).
LIFECYCLE_TOP_KEYS = ("exported_at", "workspace")
LIFECYCLE_ALGORITHM_KEYS = ("filings",)


def content(algorithm: Algorithm) -> dict:
    """What a reviewer approves and the CAC receives: the snapshot without its
    lifecycle records, and the attachments."""
    return contents(algorithm.workspace, [algorithm])[algorithm.pk]


def contents(workspace, algorithms) -> dict[int, dict]:
    """content() of several algorithms of one workspace, with a fixed number of queries."""
    ids = {a.pk for a in algorithms}
    snapshots = interchange.algorithm_snapshots(workspace, ids)
    provider_of = {a.pk: a.provider_id for a in algorithms}
    files = Attachment.objects.filter(algorithm_id__in=ids) | Attachment.objects.filter(
        provider_id__in=set(provider_of.values())
    )
    by_algorithm: dict[int, list] = {pk: [] for pk in ids}
    for a in files.exclude(slot__in=SUBMISSION_SLOTS).only(
        "slot", "original_name", "sha256", "assessment_item", "algorithm_id", "provider_id"
    ):
        entry = {
            "slot": a.slot,
            "name": a.original_name,
            "sha256": a.sha256,
            "item": a.assessment_item,
        }
        for pk in ids:
            if a.algorithm_id == pk or (a.provider_id and a.provider_id == provider_of[pk]):
                by_algorithm[pk].append(entry)
    out = {}
    for pk in ids:
        snapshot = {k: v for k, v in snapshots[pk].items() if k not in LIFECYCLE_TOP_KEYS}
        snapshot["providers"] = [
            {
                **provider,
                "algorithms": [
                    {k: v for k, v in a.items() if k not in LIFECYCLE_ALGORITHM_KEYS}
                    for a in provider["algorithms"]
                ],
            }
            for provider in snapshot["providers"]
        ]
        attachments = sorted(by_algorithm[pk], key=lambda a: (a["slot"], a["name"], a["sha256"]))
        out[pk] = {"snapshot": snapshot, "attachments": attachments}
    return out


def formalities(algorithm: Algorithm) -> list[dict]:
    """The algorithm's (and its provider's) files in the submission-only slots,
    as {"slot", "name", "sha256"}, sorted like content()'s attachments: listed
    in the package with their SHA-256, never part of the hashed content."""
    files = Attachment.objects.filter(
        slot__in=SUBMISSION_SLOTS, workspace_id=algorithm.workspace_id
    ).filter(Q(algorithm_id=algorithm.pk) | Q(provider_id=algorithm.provider_id))
    return sorted(
        (
            {"slot": a.slot, "name": a.original_name, "sha256": a.sha256}
            for a in files.only("slot", "original_name", "sha256")
        ),
        key=lambda a: (a["slot"], a["name"], a["sha256"]),
    )


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no insignificant whitespace: equal data gives equal bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(data: dict) -> str:
    """The SHA-256 of a content (as content() gives it, or a version's data)."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def current(algorithm: Algorithm) -> tuple[dict, str]:
    """(content, digest) of the algorithm now, computed, never recorded."""
    data = content(algorithm)
    return data, digest(data)


def stands_for(filing: Filing):
    """The version a filing in a final status stands for: what the CAC received
    when it has it, else what was approved (None before approval)."""
    if filing.status not in APPROVED_STATUSES:
        return None
    return filing.filed_version or filing.approved_version


def lifecycle(algorithm: Algorithm, value: str) -> dict:
    """What a document of the content with digest `value` prints beside it.

    `final` is true when that content is exactly the version that the
    current approval or filing stands for: the newest filing in a final
    status (approved, submitted, filed, …). Then the kind, status and number
    are that filing's. Otherwise the document is a draft: the kind and number
    are the latest filing's, and its status only when that filing is not
    final itself (a filed algorithm edited since is a draft of unfiled text).
    """
    filings = list(
        Filing.objects.filter(algorithm=algorithm)
        .select_related("approved_version", "filed_version")
        .order_by("-created_at", "-pk")
    )
    latest = filings[0] if filings else None
    standing = next((f for f in filings if f.status in APPROVED_STATUSES), None)
    version = stands_for(standing) if standing is not None else None
    final = version is not None and version.digest == value
    shown = standing if final else latest
    if shown is None:
        return {"final": False, "kind": "", "status": "", "filing_number": ""}
    return {
        "final": final,
        "kind": shown.kind,
        "status": shown.status if final or shown.status not in APPROVED_STATUSES else "",
        "filing_number": shown.filing_number,
    }
