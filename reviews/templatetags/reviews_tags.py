"""The review panel on the algorithm page (templates/reviews/_algorithm_panel.html)
and small display helpers of the review pages."""

from __future__ import annotations

from django import template

from filings.choices import FilingStatus

from .. import selectors, services

register = template.Library()


@register.simple_tag
def algorithm_review_panel(algorithm) -> dict:
    """Each filing with its unresolved threads, and whether a change filing is due."""
    filings = list(algorithm.filings.all())
    counts = selectors.open_thread_counts(algorithm)
    change = None
    # Computing the current data costs a few queries: only when something was filed.
    if any(f.status == FilingStatus.FILED for f in filings):
        change = services.change_status(algorithm)
    return {
        "filings": [{"filing": f, "open_threads": counts.get(f.pk, 0)} for f in filings],
        "change": change,
    }


@register.filter
def member_name(user) -> str:
    """A member's name; "—" when unknown (a version recorded by a command, a deleted user)."""
    return services.display_name(user) if user is not None else "—"
