"""Deciding on a review as the review page does: on the version shown."""

from __future__ import annotations

from filings import versions
from reviews import services


def seen(filing) -> str:
    """The digest the review page shows now: the version a reviewer sees."""
    return versions.digest(versions.content(filing.algorithm))


def decide(*, review_request, by, verdict, note="", seen_digest=None, warnings_acknowledged=True):
    """services.decision_record on the data as it is now, with the open
    warnings acknowledged (the reviewer ticked the box), unless told otherwise."""
    if seen_digest is None:
        seen_digest = seen(review_request.filing)
    return services.decision_record(
        review_request=review_request,
        by=by,
        verdict=verdict,
        note=note,
        seen_digest=seen_digest,
        warnings_acknowledged=warnings_acknowledged,
    )
