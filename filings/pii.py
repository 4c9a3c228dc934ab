"""Personal data a filing names: the ID numbers of the legal representative
and of the algorithm security officer, and the officer's mobile number.

Who sees what (the capabilities of workspaces.permissions):

- owners and editors see them in full (`see_personal_data_full`), and each
  request that shows them in full is recorded in the audit log
  (`workspaces.models.AuditLog`);
- reviewers see them masked and may reveal one at a time
  (`reveal_personal_data`; recorded too);
- viewers only ever see them masked;
- lists always mask them, whoever reads them;
- a PDF is rendered either with the numbers in full or masked
  (`mask_snapshot`, documents.models.DocumentJob.masked); downloading a full
  one, the submission bundle or the JSON export is a full view, recorded.

Templates reach this through the `pii` template library (filings.templatetags.pii).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from workspaces.models import AuditLog
from workspaces.permissions import Capability

# Field of Provider -> kind of number.
PERSONAL_FIELDS: dict[str, str] = {
    "legal_rep_id_number": "id",
    "officer_id_number": "id",
    "officer_mobile": "mobile",
}
LABELS = {
    "legal_rep_id_number": _("Legal representative's ID number"),
    "officer_id_number": _("Security officer's ID number"),
    "officer_mobile": _("Security officer's mobile number"),
}
# Where each is in the interchange snapshot (filings.interchange): providers[*].<object>.<key>.
SNAPSHOT_KEYS: dict[str, tuple[str, str]] = {
    "legal_rep_id_number": ("legal_representative", "id_number"),
    "officer_id_number": ("security_officer", "id_number"),
    "officer_mobile": ("security_officer", "mobile"),
}

MASK = "*"
# Below these lengths keeping 3 + 4 characters would show most of the number
# (passports and HK/Macau/Taiwan permits have 8-9), so only the last 2 stay.
_ID_MIN_PARTIAL = 14
_MOBILE_MIN_PARTIAL = 9


def _keep(value: str, start: int, end: int) -> str:
    hidden = len(value) - start - end
    return value[:start] + MASK * hidden + value[len(value) - end :]


def _mask(value, min_partial: int) -> str:
    value = str(value or "").strip()
    if len(value) >= min_partial:
        return _keep(value, 3, 4)
    if len(value) > 2:
        return _keep(value, 0, 2)
    return MASK * len(value)


def mask_id(number) -> str:
    """110***********002X: first 3 and last 4 kept; a short number keeps its last 2 only."""
    return _mask(number, _ID_MIN_PARTIAL)


def mask_mobile(number) -> str:
    """138****8000: first 3 and last 4 kept; a short number keeps its last 2 only."""
    return _mask(number, _MOBILE_MIN_PARTIAL)


def mask(field: str, value) -> str:
    return mask_mobile(value) if PERSONAL_FIELDS[field] == "mobile" else mask_id(value)


def mask_snapshot(snapshot: dict) -> dict:
    """A copy of an interchange snapshot with every provider's personal numbers
    masked; what a masked PDF is rendered from. The rest is the same object."""
    providers = []
    for provider in snapshot.get("providers") or []:
        provider = dict(provider)
        for field, (part, key) in SNAPSHOT_KEYS.items():
            if isinstance(provider.get(part), dict) and provider[part].get(key):
                provider[part] = {**provider[part], key: mask(field, provider[part][key])}
        providers.append(provider)
    return {**snapshot, "providers": providers}


def sees_full(access) -> bool:
    """Whether pages show this member the numbers in full (and record that they did)."""
    return access is not None and access.may(Capability.SEE_PERSONAL_DATA_FULL)


def may_reveal(access) -> bool:
    return access is not None and access.may(Capability.REVEAL_PERSONAL_DATA)


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client chose to send
    # unless a proxy we trust overwrites it.
    return request.META.get("REMOTE_ADDR") or None


def record_view(request: HttpRequest, access, *, provider_id: int, fields) -> AuditLog:
    """One audit entry: this request showed these fields of the provider in full."""
    return AuditLog.objects.create(
        workspace=access.workspace,
        user=request.user,
        username=request.user.get_username(),
        action=AuditLog.Action.VIEW_PERSONAL_DATA,
        object_type="provider",
        object_id=provider_id,
        fields=list(fields),
        path=request.get_full_path()[:300],
        ip=_client_ip(request),
    )


def note_full_view(request: HttpRequest, access, *, provider_id: int, field: str) -> None:
    """Record that this request shows `field` in full: one entry per request
    and provider, listing its fields, however many places render them."""
    entries = getattr(request, "_suanbei_pii_audit", None)
    if entries is None:
        entries = request._suanbei_pii_audit = {}
    entry = entries.get(provider_id)
    if entry is None:
        entries[provider_id] = record_view(request, access, provider_id=provider_id, fields=[field])
    elif field not in entry.fields:
        entry.fields.append(field)
        entry.save(update_fields=["fields"])


def mask_form_initial(form, access, *, request: HttpRequest | None = None):
    """Call on an unbound form over a Provider before it is rendered.

    For members who may not see the numbers, the form's initial values of the
    personal fields are replaced by their masks, so the page never carries the
    full numbers (not even in a disabled input). For owners and editors the
    values stay, and, given the request, the full view is recorded.
    """
    names = [name for name in PERSONAL_FIELDS if name in form.fields]
    if not names:
        return form
    if sees_full(access):
        if request is not None:
            for name in names:
                if form.initial.get(name):
                    note_full_view(request, access, provider_id=form.instance.pk, field=name)
        return form
    for name in names:
        form.initial[name] = mask(name, form.initial.get(name))
    return form
