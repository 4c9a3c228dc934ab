"""The review panel on the algorithm page (templates/reviews/_algorithm_panel.html)
and small display helpers of the review pages."""

from __future__ import annotations

from django import template

from filings.choices import FilingStatus

from .. import feed, selectors, services

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


@register.filter
def activity_detail(entry) -> str:
    """An activity entry's line, fields by their labels in the reader's language (reviews.feed)."""
    return feed.detail(entry)


@register.filter
def activity_about(entry) -> str:
    """What a comment entry is about, by label; "" when it is about nothing in particular."""
    return feed.about(entry) if entry.verb == "commented" else ""


@register.simple_tag
def thread_href(slug: str, thread, algorithm_id: int) -> str:
    """Where a link to the thread lands: beside its field while it is open (selectors.thread_url)."""
    return selectors.thread_url(
        slug,
        algorithm_id=algorithm_id,
        filing_id=thread.filing_id,
        thread_id=thread.pk,
        anchor=thread.anchor,
        resolved=thread.is_resolved,
    )


@register.simple_tag
def activity_thread_href(slug: str, entry) -> str:
    """The thread a comment of the feed is in, beside its field; "" for other entries."""
    data = entry.data or {}
    if entry.verb != "commented" or not data.get("thread") or not entry.filing_id:
        return ""
    return selectors.thread_url(
        slug,
        algorithm_id=entry.algorithm_id,
        filing_id=entry.filing_id,
        thread_id=data["thread"],
        anchor=data.get("anchor", ""),
    )
