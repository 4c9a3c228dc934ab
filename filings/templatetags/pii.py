"""Showing personal data in templates (the rules are in filings.pii).

- `{{ value|id_number }}`, `{{ value|mobile }}`: always masked, for lists.
- `{% personal_data provider "officer_mobile" %}`: on a detail page, by the
  reader's role: in full (and recorded) for owners and editors, masked with a
  "Show" button for reviewers, masked for viewers.
- `{% copy_sheet_cell section index row provider_id as cell %}`: the same for
  a row of the portal copy sheet; `cell.full` tells whether it may be copied.

Both tags read `access` and `request` from the context and mask when either is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse

from filings import copysheet, pii

register = template.Library()


@register.filter
def id_number(value) -> str:
    return pii.mask_id(value)


@register.filter
def mobile(value) -> str:
    return pii.mask_mobile(value)


@dataclass(frozen=True)
class Shown:
    text: str
    personal: bool = False
    full: bool = True
    reveal_url: str = ""

    @property
    def can_reveal(self) -> bool:
        return bool(self.reveal_url)


def _shown(context, provider_id: int, field: str, value) -> Shown:
    value = "" if value is None else str(value)
    access = context.get("access")
    request = context.get("request")
    if not value:
        return Shown(text="", personal=True)
    if request is not None and pii.sees_full(access):
        pii.note_full_view(request, access, provider_id=provider_id, field=field)
        return Shown(text=value, personal=True)
    reveal_url = ""
    if pii.may_reveal(access):
        reveal_url = reverse("filings:pii-reveal", args=[access.workspace.slug, provider_id, field])
    return Shown(text=pii.mask(field, value), personal=True, full=False, reveal_url=reveal_url)


@register.inclusion_tag("workspaces/_personal_data.html", takes_context=True)
def personal_data(context, provider, field: str) -> dict:
    return {"pd": _shown(context, provider.pk, field, getattr(provider, field))}


# Entity rows of the copy sheet, by position: copysheet builds one row per field.
_ENTITY_FIELDS = next(attrs for code, _zh, attrs in copysheet.SECTIONS if code == "entity")


@register.simple_tag(takes_context=True)
def copy_sheet_cell(context, section, index: int, row, provider_id: int) -> Shown:
    entity = section.code == "entity" and index < len(_ENTITY_FIELDS)
    field = _ENTITY_FIELDS[index] if entity else None
    if field not in pii.PERSONAL_FIELDS:
        return Shown(text=row.text)
    return _shown(context, provider_id, field, row.text)
