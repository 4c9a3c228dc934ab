"""Reads for the filings pages: the dashboard's page of algorithms, and the
lookups about one algorithm that the wizard, the checks and the delete use.

The dashboard reads the stored figures (filings.figures) and lets the
database filter, sort, count and cut the page: the number of queries and
the rows rendered do not depend on the size of the workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from workdays.calendar import load_overrides

from . import figures as stored
from .choices import AlgorithmType, FilingStatus
from .choices import Role as FilingRole
from .deadlines import NextDeadline
from .lifecycle import WITH_THE_CAC
from .models import Algorithm, AlgorithmFigures, Attachment, Disclosure, Filing

PER_PAGE = 50
ATTENTION_SHOWN = 10

# Ordering of each sort; the stored figures of an algorithm not computed yet
# (NULL) come last either way.
_NAME = (Case(When(name="", then=Value(1)), default=Value(0)), "name", "pk")
SORTS = {
    "deadline": (F("figures__deadline_due").asc(nulls_last=True), *_NAME),
    "-deadline": (F("figures__deadline_due").desc(nulls_last=True), *_NAME),
    "name": _NAME,
    "-name": (Case(When(name="", then=Value(1)), default=Value(0)), "-name", "-pk"),
    "type": ("type", *_NAME),
    "-type": ("-type", *_NAME),
    "status": (F("figures__status").asc(nulls_last=True), *_NAME),
    "-status": (F("figures__status").desc(nulls_last=True), *_NAME),
    "completeness": (F("figures__completeness").asc(nulls_last=True), *_NAME),
    "-completeness": (F("figures__completeness").desc(nulls_last=True), *_NAME),
    "-errors": (F("figures__errors").desc(nulls_last=True), *_NAME),
}
DEFAULT_SORT = "deadline"


@dataclass
class Row:
    """One algorithm as a dashboard row shows it."""

    pk: int
    name: str
    provider: str
    type: str
    type_label: str
    role: str
    role_label: str
    status: str | None = None
    status_label: str = ""
    completeness: int | None = None
    errors: int | None = None
    warnings: int | None = None
    deadline: NextDeadline | None = None
    urgency: str | None = None
    change_due: bool = False
    # Being recomputed after a change (the figures shown may be a moment old).
    updating: bool = False
    url: str = ""  # the algorithm's page
    problems_url: str = ""  # the wizard's 检查 step


@dataclass
class DashboardPage:
    page: Page
    rows: list[Row]
    counts: dict
    attention: list[Row]
    more_attention: bool
    today: dt.date
    soon_until: dt.date
    estimated_warning: str | None = None
    filters: dict = field(default_factory=dict)


def _filtered(algorithms, filters: dict, *, today: dt.date, soon_until: dt.date):
    if filters.get("type"):
        algorithms = algorithms.filter(type=filters["type"])
    if filters.get("role"):
        algorithms = algorithms.filter(role=filters["role"])
    status = filters.get("status")
    if status == "none":
        algorithms = algorithms.filter(figures__status="")
    elif status:
        algorithms = algorithms.filter(figures__status=status)
    due = filters.get("due")
    if due == "overdue":
        algorithms = algorithms.filter(figures__deadline_due__lt=today)
    elif due == "none":
        algorithms = algorithms.filter(figures__deadline_due__isnull=True)
    elif due:
        algorithms = algorithms.filter(
            figures__deadline_due__gte=today,
            figures__deadline_due__lte=today + dt.timedelta(days=int(due)),
        )
    if filters.get("attention"):
        algorithms = algorithms.filter(_attention(soon_until))
    if filters.get("reviewer"):
        # An open review request (reviews.ReviewRequest, related_name
        # "review_requests") names the reviewer; by lookup, not by import:
        # filings sits below reviews (config/layers.py).
        algorithms = algorithms.filter(
            Exists(
                Filing.objects.filter(
                    algorithm=OuterRef("pk"),
                    review_requests__closed_at__isnull=True,
                    review_requests__reviewers=int(filters["reviewer"]),
                )
            )
        )
    query = " ".join(filters.get("q", "").split())
    if query:
        algorithms = algorithms.filter(
            Q(name__icontains=query) | Q(figures__filing_numbers__icontains=query)
        )
    return algorithms


def _attention(soon_until: dt.date) -> Q:
    """Overdue, due soon, or a change filing owed (as the dashboard's box lists them)."""
    return Q(figures__deadline_due__lte=soon_until) | Q(figures__change_due=True)


def counts(workspace, *, today: dt.date, soon_until: dt.date) -> dict:
    """The figures at the top of the dashboard, over the whole workspace: one query."""
    return Algorithm.objects.filter(workspace=workspace).aggregate(
        total=Count("pk"),
        complete=Count(
            "pk", filter=Q(figures__completeness=100, figures__computed_on__isnull=False)
        ),
        with_errors=Count("pk", filter=Q(figures__errors__gt=0)),
        overdue=Count("pk", filter=Q(figures__deadline_due__lt=today)),
        due_soon=Count(
            "pk", filter=Q(figures__deadline_due__gte=today, figures__deadline_due__lte=soon_until)
        ),
        change_due=Count("pk", filter=Q(figures__change_due=True)),
        attention=Count("pk", filter=_attention(soon_until)),
        no_filing=Count("pk", filter=Q(figures__status="")),
        filed=Count("pk", filter=Q(figures__status=FilingStatus.FILED)),
        in_review=Count("pk", filter=Q(figures__status=FilingStatus.IN_REVIEW)),
        updating=Count(
            "pk",
            filter=Q(figures__isnull=True)
            | Q(figures__dirty=True)
            | Q(figures__computed_on__isnull=True),
        ),
    )


def _base(workspace):
    return (
        Algorithm.objects.filter(workspace=workspace)
        .select_related("provider", "figures")
        .only(
            "pk",
            "name",
            "type",
            "role",
            "workspace_id",
            "provider_id",
            "provider__name",
            *(f"figures__{name}" for name in stored.LIST_FIELDS),
        )
    )


def _rows(workspace, algorithms: list[Algorithm], *, today, soon_until, fresh=False) -> list[Row]:
    """Rows of these algorithms; those whose figures are not computed yet (or all,
    `fresh`) get them computed now, in memory (a GET stores nothing)."""
    missing = [
        a for a in algorithms if fresh or _figures(a) is None or _figures(a).computed_on is None
    ]
    computed = stored.compute(workspace, missing, today=today, read_only=True) if missing else {}
    urls = _url_pattern("filings:algorithm", workspace.slug)
    problems_urls = _url_pattern("filings:wizard", workspace.slug, step="review")
    types = dict(AlgorithmType.choices)
    roles = dict(FilingRole.choices)
    statuses = dict(FilingStatus.choices)
    rows = []
    for algorithm in algorithms:
        row = Row(
            pk=algorithm.pk,
            name=algorithm.name,
            provider=algorithm.provider.name,
            type=algorithm.type,
            type_label=str(types.get(algorithm.type, "")),
            role=algorithm.role,
            role_label=str(roles.get(algorithm.role, "")),
            url=urls.format(pk=algorithm.pk),
            problems_url=problems_urls.format(pk=algorithm.pk),
        )
        figures = computed.get(algorithm.pk) or _figures(algorithm)
        if figures is not None:
            upcoming = stored.next_deadline(figures)
            row.status = figures.status or None
            row.status_label = str(statuses.get(figures.status, ""))
            row.completeness = figures.completeness
            row.errors, row.warnings = figures.errors, figures.warnings
            row.deadline = upcoming
            row.urgency = stored.urgency(upcoming and upcoming.due, today, soon_until)
            row.change_due = figures.change_due
            # Computed here without the catalogue's checks, or stored before a change.
            row.updating = figures.dirty or algorithm.pk in computed
        rows.append(row)
    return rows


def _url_pattern(name: str, slug: str, **kwargs) -> str:
    """A URL with "{pk}" for the algorithm's pk: reversed once per page, not per row."""
    marker = 987654321
    args = [slug, marker, *kwargs.values()]
    return reverse(name, args=args).replace(f"/{marker}/", "/{pk}/", 1)


def _figures(algorithm: Algorithm) -> AlgorithmFigures | None:
    try:
        return algorithm.figures
    except AlgorithmFigures.DoesNotExist:
        return None


def dashboard_page(
    workspace,
    *,
    filters: dict,
    today: dt.date,
    page_number=None,
    per_page: int = PER_PAGE,
) -> DashboardPage:
    """One page of the workspace's algorithms, filtered and sorted by `filters`
    (DashboardFilterForm.filters()), with the workspace's counts and the first
    algorithms that need attention. A fixed number of queries."""
    overrides = load_overrides(today, today + dt.timedelta(days=60))
    soon_until = stored.due_soon_until(today, overrides=overrides)
    sort = filters.get("sort") or DEFAULT_SORT
    algorithms = _filtered(_base(workspace), filters, today=today, soon_until=soon_until)
    page = Paginator(algorithms.order_by(*SORTS[sort]), per_page).get_page(page_number)
    rows = _rows(workspace, list(page.object_list), today=today, soon_until=soon_until)
    # The first of the filtered algorithms that need attention (one more: is there more?).
    needing = list(
        algorithms.filter(_attention(soon_until)).order_by(*SORTS["deadline"])[
            : ATTENTION_SHOWN + 1
        ]
    )
    attention = _rows(workspace, needing[:ATTENTION_SHOWN], today=today, soon_until=soon_until)
    estimated = next(
        (r.deadline.deadline.warning for r in rows if r.deadline and r.deadline.deadline
         and r.deadline.deadline.estimated),
        None,
    )  # fmt: skip
    return DashboardPage(
        page=page,
        rows=rows,
        counts=counts(workspace, today=today, soon_until=soon_until),
        attention=attention,
        more_attention=len(needing) > ATTENTION_SHOWN,
        today=today,
        soon_until=soon_until,
        estimated_warning=estimated,
        filters=filters,
    )


def algorithm_rows(workspace, *, today: dt.date) -> list[Row]:
    """Every algorithm of the workspace as a row, its figures computed now and
    stored nowhere (what the stored figures should read; tests and checks)."""
    overrides = load_overrides(today, today + dt.timedelta(days=60))
    soon_until = stored.due_soon_until(today, overrides=overrides)
    algorithms = list(_base(workspace).order_by(*_NAME))
    return _rows(workspace, algorithms, today=today, soon_until=soon_until, fresh=True)


# ---------------------------------------------------------------------------
# One algorithm: what may happen to it, and what the checks compare it with
# ---------------------------------------------------------------------------


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
