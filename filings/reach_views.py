"""The wizard's entity panels save only once the user has seen their reach
(filings.entity_reach): a save that would withdraw another algorithm's
approval or make another filed algorithm owe a change filing answers with
the list and a confirm button instead of saving. Nothing typed is lost: the
form keeps the input, and its data-save-state says it is not saved
("confirm", static/js/suanbei.js). The confirm button posts the same form
with `_reach` set to the reach's token; if the reach changed meanwhile
(someone else's save, more typing), the new reach is shown instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from .entity_reach import REACH_KINDS, entity_reach, record_reach

REACH_FIELD = "_reach"


def _algorithm_id(request: HttpRequest) -> int | None:
    value = request.POST.get("_algorithm", "")
    return int(value) if value.isdigit() else None


def guarded_save(
    request: HttpRequest, access, kind: str, obj, form_prefix: str, save: Callable[[], HttpResponse]
) -> HttpResponse:
    """`save()` when the panel's change reaches no other algorithm, or the user
    confirmed this very reach; else the reach, for the user to confirm."""
    if kind not in REACH_KINDS:
        return save()
    reach = entity_reach(
        kind=kind,
        obj=obj,
        data=request.POST,
        form_prefix=form_prefix,
        base=request.POST.get("_base"),
        algorithm_id=_algorithm_id(request),
    )
    if reach is None:
        return save()
    if request.POST.get(REACH_FIELD) == reach.token:
        before = {name: getattr(type(obj).objects.get(pk=obj.pk), name) for name in reach.fields}
        response = save()
        fresh = type(obj).objects.get(pk=obj.pk)
        if any(getattr(fresh, name) != value for name, value in before.items()):
            record_reach(reach=reach, by=request.user, source_algorithm_id=_algorithm_id(request))
        if request.htmx and response.status_code == 200:
            # The notice goes away with the save.
            response.content += render_to_string(
                "filings/wizard/_reach.html", {"prefix": form_prefix, "reach": None}
            ).encode()
        return response
    context = {"prefix": form_prefix, "reach": reach, "workspace": access.workspace}
    if request.htmx:
        return render(request, "filings/wizard/_reach.html", context)
    return render(
        request,
        "filings/wizard/reach_page.html",
        {
            **context,
            "access": access,
            "save_url": request.path,
            "posted": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", REACH_FIELD)
                for value in values
            ],
            "reach_field": REACH_FIELD,
            "back": reverse(
                "filings:wizard", args=[access.workspace.slug, _algorithm_id(request), "entity"]
            )
            if _algorithm_id(request)
            else "",
        },
        status=409,
    )
