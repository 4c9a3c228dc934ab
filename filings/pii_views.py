"""Personal data in full, on request: one number of a provider's people,
shown and recorded (filings.pii.record_view)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from workspaces.permissions import Capability, requires
from workspaces.scoping import get_access, get_scoped_or_404

from . import pii
from .models import Provider

# ---------------------------------------------------------------------------
# /w/<slug>/providers/<pk>/reveal/<field>/: one personal number in full, recorded.
# ---------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
@requires(Capability.REVEAL_PERSONAL_DATA)
def reveal(request: HttpRequest, slug: str, pk: int, field: str) -> HttpResponse:
    access = get_access(request, slug)
    if field not in pii.PERSONAL_FIELDS:
        raise Http404
    provider = get_scoped_or_404(Provider, access, pk=pk)
    value = getattr(provider, field)
    if value:
        pii.record_view(request, access, provider_id=provider.pk, fields=[field])
    context = {
        "workspace": access.workspace,
        "provider": provider,
        "label": pii.LABELS[field],
        "value": value,
    }
    if request.htmx:
        return render(request, "filings/_revealed.html", context)
    return render(request, "filings/reveal.html", context)
