"""The portal copy sheet: each field's final text in the registry's order,
ready to paste into the CAC's system.

Built from the algorithm's snapshot (the same data the checks, the PDF and
the export read), with codes turned into the portal's Chinese labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import pgettext

from . import portal
from .checks import label
from .choices import AlgorithmType, Role
from .interchange.shapes import SHAPES, get_path
from .regions import region_display

# The registry's order of fields, by section: one table, which the wizard's
# forms follow too (filings.portal).
SECTIONS = portal.SECTIONS
SHAPE_OF = portal.SHAPE_OF


@dataclass(frozen=True)
class Row:
    label_zh: str
    label: str
    text: str
    display: str = ""  # the text in the reader's language (choices, yes/no), for pages
    # False for a field the portal does not ask here (填报角色 outside generation
    # and synthesis): kept, so that rows stay aligned with SECTIONS, but not printed.
    asked: bool = True

    @property
    def length(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Section:
    code: str
    title_zh: str
    subtitle: str
    rows: tuple[Row, ...]


def _model_field(shape: str, attr: str) -> models.Field:
    return SHAPES[shape].model._meta.get_field(attr)


def _path(shape: str, attr: str) -> tuple[str, ...]:
    for f in SHAPES[shape].fields:
        if f.attr == attr:
            return f.path
    raise KeyError(attr)


def _text(field: models.Field, value) -> str:
    """The value as the portal shows it, in Chinese."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        validators = [v for v in field.validators if hasattr(v, "choices")]
        if validators:
            labels = dict(validators[0].choices.choices)
            value = [str(labels.get(v, v)) for v in value]
        return "、".join(str(v) for v in value)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    return str(value)


def _long_term(shape: str, data: dict, attr: str) -> bool:
    """An empty validity of a certificate that is entered means long-term
    (the field's help text: "Leave empty for a long-term certificate")."""
    if (shape, attr) != ("provider", "certificate_valid_until"):
        return False
    _present, valid_until = get_path(data, _path(shape, attr))
    _present, certificate = get_path(data, _path(shape, "certificate_type"))
    return not valid_until and bool(certificate)


def _asked(shape: str, data: dict, attr: str) -> bool:
    """Whether the portal asks this field: 填报角色 only for generation and
    synthesis (portal-details §1.2); a supporter of another type is still shown,
    so that the mismatch can be seen and corrected."""
    if (shape, attr) != ("algorithm", "role"):
        return True
    return (
        data.get("type") == AlgorithmType.GENERATION_SYNTHESIS
        or data.get("role") == Role.TECHNICAL_SUPPORTER
    )


def _rows(shape: str, data: dict, attrs: tuple[str, ...]) -> tuple[Row, ...]:
    rows = []
    for attr in attrs:
        field = _model_field(shape, attr)
        _present, value = get_path(data, _path(shape, attr))
        dotted = ".".join(_path(shape, attr))
        with translation.override("zh-hans"):
            label_zh = capfirst(label(shape, dotted))
            text = _text(field, value)
            if _long_term(shape, data, attr):
                text = pgettext("certificate validity", "Long-term")
            if (shape, attr) == ("provider", "region_code"):
                text = region_display(value)  # 上海市浦东新区 (310115)
        display = _text(field, value) if text and field.choices else text
        rows.append(
            Row(
                label_zh=label_zh,
                label=capfirst(label(shape, dotted)),
                text=text,
                display=display,
                asked=_asked(shape, data, attr),
            )
        )
    return tuple(rows)


def copy_sheet(snapshot: dict) -> list[Section]:
    provider = snapshot["providers"][0]
    algorithm = provider["algorithms"][0]
    services = {s["key"]: s for s in provider["services"]}
    supporter = algorithm.get("role") == "technical_supporter"
    sections = []
    for code, title_zh, attrs in SECTIONS:
        if code == "entity":
            sections.append(Section(code, title_zh, "", _rows("provider", provider, attrs)))
        elif code in ("basic", "detail"):
            sections.append(Section(code, title_zh, "", _rows("algorithm", algorithm, attrs)))
        elif code == "modes" and supporter:
            sections.append(Section(code, title_zh, "", _rows("algorithm", algorithm, attrs)))
        elif code == "service" and not supporter:
            used = []
            for deployment in algorithm.get("deployments", []):
                if deployment["service"] not in used:
                    used.append(deployment["service"])
            for key in used:
                sections.append(
                    Section(
                        code,
                        title_zh,
                        services[key].get("name") or "",
                        _rows("service", services[key], attrs),
                    )
                )
        elif code == "deployment" and not supporter:
            for deployment in algorithm.get("deployments", []):
                service_name = services[deployment["service"]].get("name") or ""
                subtitle = f"{service_name} · {deployment.get('function_name') or ''}"
                rows = list(_rows("deployment", deployment, attrs[:2]))
                path = deployment.get("access_path") or []
                with translation.override("zh-hans"):
                    label_zh = capfirst(str(_model_field("deployment", "access_path").verbose_name))
                rows.append(
                    Row(
                        label_zh,
                        capfirst(str(_model_field("deployment", "access_path").verbose_name)),
                        " → ".join(path),
                    )
                )
                sections.append(Section(code, "功能", subtitle, tuple(rows)))
        elif code == "disclosure" and algorithm.get("disclosure"):
            sections.append(
                Section(code, title_zh, "", _rows("disclosure", algorithm["disclosure"], attrs))
            )
    return sections
