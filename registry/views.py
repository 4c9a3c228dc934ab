"""Search of the published filing lists: reference data, open to every signed-in user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from filings.validators import FILING_NUMBER_LENIENT_RE
from workspaces.permissions import signed_in

from .lookup import latest_import, listings
from .models import RegistryRecord

PER_PAGE = 50
QUERY_MAX = 100


@login_required
@signed_in
def search(request: HttpRequest) -> HttpResponse:
    q = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    algorithm_class = request.GET.get("class", "")
    batch = request.GET.get("batch", "")
    class_choices = list(
        RegistryRecord.objects.order_by("algorithm_class")
        .values_list("algorithm_class", flat=True)
        .distinct()
    )
    # Batch labels ("2022年10月") do not sort as text: newest announcement first.
    batch_choices = list(
        RegistryRecord.objects.values("batch")
        .annotate(announced=Max("announcement_date"))
        .order_by("-announced")
        .values_list("batch", flat=True)
    )

    records = RegistryRecord.objects.order_by("-announcement_date", "filing_number", "pk")
    if q and FILING_NUMBER_LENIENT_RE.match(q):
        # A whole number is looked up exactly (through the unique index);
        # any other text, digits included, is a substring search.
        records = records.filter(filing_number=q)
    elif q:
        records = records.filter(
            Q(algorithm_name__icontains=q)
            | Q(entity_name__icontains=q)
            | Q(product__icontains=q)
            | Q(filing_number__icontains=q)
        )
    if algorithm_class in class_choices:
        records = records.filter(algorithm_class=algorithm_class)
    else:
        algorithm_class = ""
    if batch in batch_choices:
        records = records.filter(batch=batch)
    else:
        batch = ""
    # get_page turns page=abc into page 1 and page=9999 into the last page.
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/search.html",
        {
            "q": q,
            "algorithm_class": algorithm_class,
            "batch": batch,
            "class_choices": class_choices,
            "batch_choices": batch_choices,
            "page": page,
            "latest_import": latest_import(),
        },
    )


@login_required
@signed_in
def detail(request: HttpRequest, filing_number: str) -> HttpResponse:
    records = list(listings(filing_number))
    if not records:
        raise Http404
    return render(request, "registry/detail.html", {"record": records[0], "listings": records})
