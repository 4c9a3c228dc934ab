"""The wording of the generated letters (算法备案承诺书, 算法安全责任人工作证明).

The default text of each letter ships as data (documents/data/<kind>.zh.txt);
an owner may replace it per workspace (documents.models.DocumentText), e.g.
with the exact wording of the template downloaded from the portal. A text
may name the provider's data in braces ({provider_name}); only the names in
PLACEHOLDERS are allowed, each bare (no attribute, index, conversion or
format spec), so filling a text can never reach anything but these strings:

    fill("本单位（{provider_name}）……", values) -> "本单位（示例科技有限公司）……"

A text is checked when it is saved (`validate`) and again when it is
filled: a text that does not pass (a default edited on disk, say) is
replaced by the shipped default, never half-filled.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DATA = Path(__file__).resolve().parent / "data"
MAX_TEXT_CHARS = 10_000

# The letters whose wording is a template (documents.models.DocumentKind values).
TEXT_KINDS = ("commitment", "officer_proof")

# Placeholder -> what it stands for (shown on the edit page).
PLACEHOLDERS: dict[str, object] = {
    "provider_name": gettext_lazy("Name of the entity"),
    "uscc": gettext_lazy("Unified social credit code"),
    "legal_rep_name": gettext_lazy("Legal representative's name"),
    "officer_name": gettext_lazy("Security officer's name"),
    "officer_position": gettext_lazy("Security officer's post"),
    "officer_id_number": gettext_lazy("Security officer's ID number"),
    "officer_mobile": gettext_lazy("Security officer's mobile number"),
    "algorithm_name": gettext_lazy("Name of the algorithm"),
}


@cache
def default_text(kind: str) -> str:
    if kind not in TEXT_KINDS:
        raise KeyError(kind)
    return (DATA / f"{kind}.zh.txt").read_text(encoding="utf-8").strip()


def placeholders_in(text: str) -> list[str]:
    """The placeholders a text names, in order; ValidationError when one is not allowed."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            _(
                "The text has an unmatched brace. Write placeholders as {name}; "
                "write a literal brace twice ({{ or }})."
            ),
            code="braces",
        ) from None
    names: list[str] = []
    unknown: list[str] = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + field
                + ("!" + conversion if conversion else "")
                + (":" + spec if spec else "")
                + "}"
            )
            unknown.append(shown)
        else:
            names.append(field)
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(names)s. Allowed placeholders: %(allowed)s.")
            % {
                "names": "、".join(unknown),
                "allowed": " ".join("{" + name + "}" for name in PLACEHOLDERS),
            },
            code="placeholder",
        )
    return names


def validate(text: str) -> str:
    """The text to store (stripped), or ValidationError saying what is wrong."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("The text is empty."), code="empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(
            _("The text is %(count)s characters long; the limit is %(limit)s.")
            % {"count": len(text), "limit": MAX_TEXT_CHARS},
            code="too_long",
        )
    placeholders_in(text)
    return text


class _Values(dict):
    """Only the allowed names; an allowed name without a value prints as a blank to fill by hand."""

    def __missing__(self, key: str) -> str:
        return "________"


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its placeholders replaced by `values` (plain strings)."""
    allowed = _Values({k: str(v) for k, v in values.items() if k in PLACEHOLDERS and v})
    return text.format_map(allowed)


def filled_paragraphs(kind: str, text: str | None, values: dict[str, str]) -> list[str]:
    """The letter's paragraphs: `text` (the workspace's, from the job) or the default."""
    if text:
        try:
            validate(text)
        except ValidationError:
            text = None
    text = fill(text or default_text(kind), values)
    return [p.strip() for p in text.split("\n") if p.strip()]
