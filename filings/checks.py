"""The checks "as the CAC makes them": one registry of small functions over
the interchange document (shared/spec/interchange.md).

Each check takes a `Context` (the document plus the few things that are not
in it: today, the attachment slots per algorithm, a CAC registry lookup)
and yields `Problem`s whose pointer names the field to fix. Checks read
only the document, never the database; the registry lookup and the
attachments are injected by the caller (the `check_filing` command, the
wizard), so the same document always gives the same problems.

The rules come from domain/cac-filing-reference.md §2 and §5 and
domain/portal-details.md §1.5, §2 and §5 (the CAC's common return reasons).
Thresholds that are inferences live in the tables below, so they can be
corrected without touching the functions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import pointers, validators
from .choices import AlgorithmType, IdType, LaunchStatus, Role, ServiceForm
from .interchange import shapes
from .interchange.shapes import SHAPES, SINGLE_CHILDREN
from .interchange.shapes import pointer as _pointer
from .interchange.shapes import set_path as _set

if TYPE_CHECKING:
    from .applicability import CatalogueRules

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str  # ERROR | WARNING
    pointer: str  # JSON Pointer into the workspace document
    message: str
    # What the problem (when an error) refuses: "approval" for the content a
    # reviewer approves (fields, assessment, flowchart, evidence), or
    # "submission" for the signed and sealed scans and other formalities made
    # after approval (filings.lifecycle.blocking_errors filters on it).
    blocks: str = "approval"

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "pointer": self.pointer,
            "message": self.message,
            "blocks": self.blocks,
        }


# ---------------------------------------------------------------------------
# Walking the document
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Obj:
    """One object of the document (provider, service, algorithm, disclosure …)
    with where it is and the objects it hangs on."""

    kind: str  # a SHAPES name
    ptr: tuple
    data: dict
    parents: dict = field(repr=False)  # kind -> data, itself included

    @property
    def provider(self) -> dict:
        return self.parents["provider"]

    @property
    def algorithm(self) -> dict:
        return self.parents["algorithm"]

    def at(self, *path) -> str:
        return _pointer(*self.ptr, *path)

    def get(self, path: str):
        return _value(self.data, path)


def _value(data, path: str):
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _walk(kind: str, data, ptr: tuple, parents: dict) -> Iterator[Obj]:
    data = data if isinstance(data, dict) else {}
    parents = {**parents, kind: data}
    yield Obj(kind, ptr, data, parents)
    for key, child in SHAPES[kind].children.items():
        if key in SINGLE_CHILDREN:
            # A missing disclosure or assessment is walked as an empty one, so
            # its required fields are reported where the wizard shows them.
            yield from _walk(child, data.get(key), (*ptr, key), parents)
        else:
            for i, item in enumerate(data.get(key) or []):
                yield from _walk(child, item, (*ptr, key, i), parents)


@dataclass
class Context:
    document: dict
    today: dt.date
    attachments: Mapping[str, Iterable[str]] | None = None
    registry_lookup: Callable[[str], Mapping | None] | None = None
    # Other algorithms of the workspace that are not in the document (the
    # checks run on one algorithm's snapshot): {"name", "disclosure"} each.
    peers: Iterable[Mapping] = ()
    # The filing kind when the document carries no filings (a content).
    kind: str | None = None
    # The self-assessment catalogue (assessments.selectors.check_catalogue);
    # without it the checks that need the applicable items are skipped.
    catalogue: CatalogueRules | None = None
    _lookups: dict = field(default_factory=dict)

    @cached_property
    def material_rules(self) -> list:
        from . import materials

        return materials.rules()

    @cached_property
    def all_objects(self) -> list[Obj]:
        objects: list[Obj] = []
        for i, provider in enumerate(self.document.get("providers") or []):
            objects.extend(_walk("provider", provider, ("providers", i), {}))
        return objects

    def objects(self, kind: str) -> Iterator[Obj]:
        return (o for o in self.all_objects if o.kind == kind)

    def slots(self, algorithm: dict) -> set[str] | None:
        """Attachment slots of an algorithm, or None when the caller gave none."""
        if self.attachments is None:
            return None
        return set(self.attachments.get(algorithm.get("name") or "", ()))

    def lookup(self, number: str) -> Mapping | None:
        if self.registry_lookup is None:
            return None
        if number not in self._lookups:
            self._lookups[number] = self.registry_lookup(number)
        return self._lookups[number]


def _used_service_keys(provider: dict) -> set[str]:
    return {
        d.get("service")
        for a in provider.get("algorithms") or []
        for d in a.get("deployments") or []
    }


def _services_of(algorithm: dict, provider: dict) -> list[dict]:
    keys = [d.get("service") for d in algorithm.get("deployments") or []]
    by_key = {s.get("key"): s for s in provider.get("services") or []}
    return [by_key[k] for k in dict.fromkeys(keys) if k in by_key]


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _model_field(kind: str, path: str) -> models.Field:
    shape = SHAPES[kind]
    parts = tuple(path.split("."))
    for f in shape.fields:
        if f.path == parts:
            return shape.model._meta.get_field(f.attr)
    raise KeyError(f"{kind} has no field {path}")


def label(kind: str, path: str) -> str:
    """The field's verbose name, with its group where that alone is ambiguous
    ("ID type of the legal representative")."""
    name = str(_model_field(kind, path).verbose_name)
    parts = path.split(".")
    if len(parts) > 1 and parts[-1] != "name":
        try:
            owner = _model_field(kind, f"{parts[0]}.name").verbose_name
        except KeyError:
            return name
        return _("%(field)s of the %(owner)s") % {"field": name, "owner": owner}
    return name


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    function: Callable[[Context], Iterable[Problem]]
    codes: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.function.__name__


REGISTRY: list[Check] = []


def check(*codes: str):
    """Register a check function that may yield problems with these codes."""

    def register(function):
        REGISTRY.append(Check(function, codes))
        return function

    return register


def all_codes() -> list[str]:
    return [code for c in REGISTRY for code in c.codes]


def run_checks(
    document: dict,
    *,
    algorithm: str | None = None,
    registry_lookup: Callable[[str], Mapping | None] | None = None,
    attachments: Mapping[str, Iterable[str]] | None = None,
    today: dt.date | None = None,
    peers: Iterable[Mapping] = (),
    kind: str | None = None,
    catalogue: CatalogueRules | None = None,
) -> list[Problem]:
    """Every problem of `document`, in document order.

    With `algorithm` (a name), only the problems that concern that algorithm:
    its own, its provider's, and those of the services its deployments use.
    `attachments` maps an algorithm name to the slot codes it has files in;
    without it the checks that need attachments are skipped.
    `registry_lookup(number)` answers like registry.lookup.describe_third_party_number.
    `peers` are the workspace's other algorithms as {"name", "disclosure"}
    (selectors.peer_disclosures), for the checks that compare algorithms.
    `kind` is the filing kind (materials differ by kind) when the document
    has no filings of the algorithm; else their latest decides.
    `catalogue` (assessments.selectors.check_catalogue()) lets the checks see
    which self-assessment items apply; without it those checks are skipped.
    """
    context = Context(
        document,
        today=today or timezone.localdate(),
        attachments=attachments,
        registry_lookup=registry_lookup,
        peers=tuple(peers),
        kind=kind,
        catalogue=catalogue,
    )
    scope = _scope(document, algorithm) if algorithm is not None else None
    problems: list[Problem] = []
    for registered in REGISTRY:
        for problem in registered.function(context):
            if problem.code not in registered.codes:
                raise AssertionError(f"{registered.name} yielded undeclared code {problem.code!r}")
            if scope is None or _in_scope(_parts(problem.pointer), scope):
                problems.append(problem)
    return sorted(problems, key=lambda p: (_order_key(p.pointer), p.severity != ERROR))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def _scope(document: dict, name: str) -> list[tuple[int, int, set[int]]]:
    """(provider index, algorithm index, indexes of the services it uses) per algorithm so named."""
    scope = []
    for i, provider in enumerate(document.get("providers") or []):
        services = provider.get("services") or []
        for k, algorithm in enumerate(provider.get("algorithms") or []):
            if algorithm.get("name") == name:
                used = {d.get("service") for d in algorithm.get("deployments") or []}
                indexes = {j for j, s in enumerate(services) if s.get("key") in used}
                scope.append((i, k, indexes))
    if not scope:
        raise LookupError(f"No algorithm is named {name!r}.")
    return scope


def _in_scope(parts: list[str], scope) -> bool:
    for p_index, a_index, service_indexes in scope:
        if parts[:2] != ["providers", str(p_index)]:
            continue
        rest = parts[2:]
        if not rest or rest[0] not in ("algorithms", "services"):
            return True  # the provider's own fields
        if rest[0] == "algorithms" and rest[1:2] == [str(a_index)]:
            return True
        if rest[0] == "services" and len(rest) > 1 and rest[1].isdigit():
            if int(rest[1]) in service_indexes:
                return True
    return False


def _parts(pointer: str) -> list[str]:
    return pointers.split(pointer)


def _skeleton(kind: str) -> dict:
    """The keys of one object in the order export_workspace writes them."""
    out: dict = {"key": None} if kind in ("provider", "service", "algorithm") else {}
    if kind == "deployment":
        out["service"] = None
    for f in SHAPES[kind].fields:
        _set(out, f.path, None)
    for key, child in SHAPES[kind].children.items():
        out[key] = _skeleton(child) if key in SINGLE_CHILDREN else [_skeleton(child)]
    return out


@cache
def _document_skeleton(shapes: int) -> dict:
    """The keys of a document in export order; rebuilt when the shape table grows
    (`shapes`: its size), as apps above filings register their parts in ready()."""
    return {
        "format": None,
        "exported_at": None,
        "workspace": {"name": None},
        "providers": [_skeleton("provider")],
    }


def _order_key(pointer: str) -> tuple:
    """Sort key of a pointer: the position of each step in an exported
    document, so problems read top to bottom like the wizard, also for
    fields of an object that is not there yet (a missing disclosure)."""
    node = _document_skeleton(len(SHAPES))
    key = []
    for part in _parts(pointer):
        if isinstance(node, list):
            key.append((int(part) if part.isdigit() else 1 << 30, part))
            node = node[0]
        elif isinstance(node, dict):
            keys = list(node)
            key.append((keys.index(part), "") if part in node else (len(keys), part))
            node = node.get(part)
        else:
            key.append((1 << 30, part))
    return tuple(key)


# ---------------------------------------------------------------------------
# 1. Required fields
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Required:
    path: str  # dotted JSON path inside the object
    when: Callable[[Obj], bool] | None = None  # required only when this holds
    hint: str = ""  # lazy text appended to the message, e.g. an example


def _launched(o: Obj) -> bool:
    return o.data.get("launch_status") == LaunchStatus.ONLINE


def _service_online(o: Obj) -> bool:
    return o.data.get("status") == LaunchStatus.ONLINE


def _has_address(o: Obj) -> bool:
    # Form "other" covers robots, smart hardware and the like, which may have
    # no address to visit; the portal still asks, so apps, sites, mini-programs
    # and public accounts must give one.
    return o.data.get("form") != ServiceForm.OTHER


def _filed(o: Obj) -> bool:
    return o.data.get("status") == "filed"


_R = Required
_person = ("name", "id_type", "id_number")

# What the portal asks for before a filing can be submitted (cac-filing-reference
# §2.2–2.6). Services are checked only when a deployment uses them.
REQUIRED_FIELDS: dict[str, tuple[Required, ...]] = {
    "provider": (
        _R("name", hint=gettext_lazy("Exactly as on the business licence.")),
        _R("uscc", hint=gettext_lazy("Example: 91110108MA01ABCD1E.")),
        _R("entity_type"),
        _R("region_code", hint=gettext_lazy("Example: 110108 (北京市海淀区).")),
        _R("registered_address"),
        _R("certificate.type"),
        _R("x.certificate_address", hint=gettext_lazy("As printed on the certificate.")),
        *(_R(f"legal_representative.{p}") for p in _person),
        *(_R(f"security_officer.{p}") for p in (*_person, "mobile", "email")),
    ),
    "service": (
        _R("name"),
        _R("form"),
        _R("access_url", when=_has_address, hint=gettext_lazy("Example: https://example.cn/app.")),
        _R("status"),
        _R("target_users"),
        _R("real_name_required"),
        # A service not yet online has no users to count.
        _R("dau", when=_service_online),
        _R("mau", when=_service_online),
    ),
    "algorithm": (
        _R("name"),
        _R("type"),
        _R("role"),
        _R("launch_status"),
        _R("launch_date", when=_launched),
        _R("application_domains", hint=gettext_lazy("Example: 新闻门户, 短视频.")),
        _R("summary"),
        _R("usage_scenario"),
        _R("input_modalities"),
        _R("output_modalities"),
        _R("data.sources"),
        _R("data.contains_biometric"),
        _R("data.contains_identity"),
        _R("model_and_training_data"),
        _R("strategy"),
        _R("risks_and_safeguards"),
    ),
    "deployment": (
        _R("function_name"),
        _R("function_description"),
        _R("access_path", hint=gettext_lazy("The steps in order, for example 首页 → 推荐.")),
    ),
    "disclosure": (
        _R("basic_principle"),
        _R("operating_mechanism"),
        _R("application_scenario"),
        _R(
            "purpose",
            hint=gettext_lazy("Example: 应用于新闻资讯推荐场景，根据用户兴趣为用户推荐资讯。"),
        ),
    ),
    "third_party_model": (
        _R("name"),
        _R("vendor"),
        _R("filing_number", hint=gettext_lazy("The vendor's 网信算备…号.")),
    ),
    "filing": (_R("filing_number", when=_filed),),
}


def _required_message(kind: str, path: str) -> str:
    model_field = _model_field(kind, path)
    name = label(kind, path)
    if isinstance(model_field, models.JSONField):
        return _("Add at least one entry to “%(field)s”.") % {"field": name}
    if isinstance(model_field, models.BooleanField):
        return _("Answer “%(field)s”: yes or no.") % {"field": name}
    return _("Fill in “%(field)s”: the filing needs it.") % {"field": name}


@check("required")
def required_fields(ctx: Context) -> Iterator[Problem]:
    for o in ctx.all_objects:
        rows = REQUIRED_FIELDS.get(o.kind, ())
        if o.kind == "service" and o.data.get("key") not in _used_service_keys(o.provider):
            continue
        for row in rows:
            if row.when is not None and not row.when(o):
                continue
            if _blank(o.get(row.path)):
                message = _required_message(o.kind, row.path)
                if row.hint:
                    message = f"{message} {row.hint}"
                yield Problem("required", ERROR, o.at(*row.path.split(".")), message)


# ---------------------------------------------------------------------------
# 2. Formats (the validators the forms and the importer share)
# ---------------------------------------------------------------------------

# The formats are declared on the shape fields (Field.format in
# filings.interchange.shapes); a blank value is left to `required`.
FILING_NUMBERS = (("third_party_model", "filing_number"), ("filing", "filing_number"))
PEOPLE = ("legal_representative", "security_officer")


def _format_problem(o: Obj, path: str, validate: Callable[[str], None]) -> Problem | None:
    value = o.get(path)
    if _blank(value):
        return None
    try:
        validate(value)
    except ValidationError as error:
        return Problem("invalid_format", ERROR, o.at(*path.split(".")), " ".join(error.messages))
    return None


def _resident_id_warnings(number: str) -> list[str]:
    try:
        return validators.resident_id_warnings(number)
    except KeyError:
        # python-stdnum's table has codes without a county (e.g. 110199), on
        # which get_birth_place fails; the number itself is valid.
        return []


@check("invalid_format", "id_number_region", "filing_number_length")
def formats(ctx: Context) -> Iterator[Problem]:
    for kind, rules in shapes.ruled("format"):
        for o in ctx.objects(kind):
            if problem := _format_problem(o, rules.dotted, rules.format):
                yield problem
    for o in ctx.objects("provider"):
        for person in PEOPLE:
            id_type = o.get(f"{person}.id_type")
            if _blank(id_type):
                continue  # `required` asks for the type first

            def validate(number, id_type=id_type):
                validators.validate_id_number(id_type, number)

            path = f"{person}.id_number"
            if problem := _format_problem(o, path, validate):
                yield problem
            elif id_type == IdType.RESIDENT_ID and not _blank(o.get(path)):
                for message in _resident_id_warnings(o.get(path)):
                    yield Problem("id_number_region", WARNING, o.at(person, "id_number"), message)
    for kind, path in FILING_NUMBERS:
        for o in ctx.objects(kind):
            for message in validators.filing_number_warnings(_text(o.get(path))):
                yield Problem("filing_number_length", WARNING, o.at(path), message)


# ---------------------------------------------------------------------------
# 3. One algorithm name everywhere
# ---------------------------------------------------------------------------

# Texts that must call the algorithm by its one name: (child, dotted path).
NAMED_TEXTS: tuple[tuple[str, str], ...] = (
    ("disclosure", "basic_principle"),
    ("disclosure", "operating_mechanism"),
    ("disclosure", "application_scenario"),
    ("disclosure", "purpose"),
    ("disclosure", "disclosure_note"),
    ("assessment", "conclusion"),
)
# A quoted name: 「X算法」, “X算法”, 『X算法』, 《X算法》 or "X算法", with an optional -1 suffix.
QUOTED_NAME_RE = re.compile(r"[「“『《\"]([^「」“”『』《》\"\n]{0,40}算法(?:[-－]\d+)?)[」”』》\"]")
NUMBER_SUFFIX_RE = re.compile(r"[-－]\d+$")


def _mentions_of(names: list[str], text: str) -> list[str]:
    """Names found in text, longest first, each occurrence counted once
    (so 示例算法-1 is not also read as 示例算法)."""
    found = []
    for name in sorted(names, key=len, reverse=True):
        if name and name in text:
            found.append(name)
            text = text.replace(name, "\0")
    return found


def _variants_of(name: str, text: str) -> set[str]:
    """The name written with another suffix: without or with another -N, or
    with 算法 added or dropped (示例推荐算法 → 示例推荐算法-2, 示例推荐模型 → 示例推荐模型算法)."""
    stem = NUMBER_SUFFIX_RE.sub("", name).removesuffix("算法")
    if len(stem) < 2:
        return set()
    pattern = re.escape(stem) + r"(?:算法(?:[-－]\d+)?|[-－]\d+)"
    return {m.group(0) for m in re.finditer(pattern, text)} - {name}


@check("other_algorithm_named", "name_differs")
def one_name_everywhere(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        own = o.data.get("name") or ""
        if not own:
            continue
        others = [
            a.get("name") or ""
            for a in o.provider.get("algorithms") or []
            if a is not o.data and a.get("name") and a.get("name") != own
        ]
        for child, path in NAMED_TEXTS:
            text = _text(_value(o.data.get(child) or {}, path))
            if not text:
                continue
            pointer = o.at(child, *path.split("."))
            found = [n for n in _mentions_of([own, *others], text) if n != own]
            if found:
                yield Problem(
                    "other_algorithm_named",
                    WARNING,
                    pointer,
                    _(
                        "This text names another algorithm of the provider (%(names)s): "
                        "was it copied? Describe %(own)s and call it by that name only."
                    )
                    % {"names": "、".join(found), "own": own},
                )
            differing = {m for m in QUOTED_NAME_RE.findall(text)} | _variants_of(own, text)
            differing -= {own, *others}
            if differing:
                yield Problem(
                    "name_differs",
                    WARNING,
                    pointer,
                    _(
                        "This text calls the algorithm %(names)s, but its name is %(own)s. "
                        "Use exactly the same name in the form, the disclosure and the report."
                    )
                    % {"names": "、".join(sorted(differing)), "own": own},
                )


# ---------------------------------------------------------------------------
# 4. Monthly and daily users
# ---------------------------------------------------------------------------


@check("provider_mau_missing", "service_mau_exceeds_provider", "dau_exceeds_mau")
def user_numbers(ctx: Context) -> Iterator[Problem]:
    for p in ctx.objects("provider"):
        provider_mau = p.data.get("mau")
        services = list(enumerate(p.data.get("services") or []))
        if provider_mau is None and any(s.get("mau") is not None for _i, s in services):
            yield Problem(
                "provider_mau_missing",
                WARNING,
                p.at("mau"),
                _(
                    "The entity's monthly active users are empty while its products give theirs: "
                    "enter the entity's figure (at least the largest product's)."
                ),
            )
        for i, s in services:
            mau, dau = s.get("mau"), s.get("dau")
            if mau is not None and provider_mau is not None and mau > provider_mau:
                yield Problem(
                    "service_mau_exceeds_provider",
                    ERROR,
                    p.at("services", i, "mau"),
                    _(
                        "This product has %(mau)s monthly active users, more than the entity's "
                        "%(provider_mau)s: correct one of them so the figures agree with the report."
                    )
                    % {"mau": f"{mau:,}", "provider_mau": f"{provider_mau:,}"},
                )
            if mau is not None and dau is not None and dau > mau:
                yield Problem(
                    "dau_exceeds_mau",
                    ERROR,
                    p.at("services", i, "dau"),
                    _(
                        "Daily active users (%(dau)s) cannot exceed monthly active users (%(mau)s): "
                        "check both figures."
                    )
                    % {"dau": f"{dau:,}", "mau": f"{mau:,}"},
                )


# ---------------------------------------------------------------------------
# 5. Output modalities and output file formats
# ---------------------------------------------------------------------------

_3D_FORMATS = ("glb", "gltf", "obj", "fbx", "stl", "usdz")
# Which file extensions belong to which output modality (portal-details §1.5:
# "与输出模态一一对应"), the most usual first (they serve as examples).
# txt, json, mp3, mp4 and the pairing rule are found in returned filings; the
# rest is inference: extend freely. Formats in no family belong to "other".
FORMAT_FAMILIES: dict[str, tuple[str, ...]] = {
    "text": ("txt", "json", "md", "html", "csv", "xml", "pdf", "docx"),
    "image": ("jpg", "png", "jpeg", "gif", "webp", "bmp", "svg"),
    "audio": ("mp3", "wav", "aac", "flac", "ogg", "m4a"),
    "video": ("mp4", "mov", "avi", "mkv", "webm", "flv"),
    "3d": _3D_FORMATS,
    "virtual_scene": _3D_FORMATS,
}
KNOWN_FORMATS = frozenset(f for family in FORMAT_FAMILIES.values() for f in family)


def _examples(modality: str) -> str:
    formats = FORMAT_FAMILIES.get(modality, ())[:3]
    return ", ".join(formats) if formats else "…"


@check("output_format_missing", "output_format_unmatched", "output_format_unknown")
def output_formats(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        # The portal enforces the pairing for generated content; for other
        # types a mismatch is still an inconsistency the reviewer may return.
        severity = ERROR if o.data.get("type") == AlgorithmType.GENERATION_SYNTHESIS else WARNING
        modalities = [m for m in o.data.get("output_modalities") or [] if isinstance(m, str)]
        formats = [f for f in o.data.get("output_formats") or [] if isinstance(f, str)]
        for i, modality in enumerate(modalities):
            family = FORMAT_FAMILIES.get(modality)
            matched = (
                any(f in family for f in formats)
                if family is not None
                else any(f not in KNOWN_FORMATS for f in formats)
            )
            if not matched:
                yield Problem(
                    "output_format_missing",
                    severity,
                    o.at("output_modalities", i),
                    _(
                        "Output modality “%(modality)s” has no matching output file format: "
                        "add one (e.g. %(examples)s) or remove the modality."
                    )
                    % {"modality": modality, "examples": _examples(modality)},
                )
        for i, fmt in enumerate(formats):
            if fmt not in KNOWN_FORMATS:
                if "other" not in modalities:
                    yield Problem(
                        "output_format_unknown",
                        WARNING,
                        o.at("output_formats", i),
                        _(
                            "“%(format)s” is not a format the checks know, so it cannot be matched "
                            "to an output modality: check the extension, or add the modality “other”."
                        )
                        % {"format": fmt},
                    )
                continue
            families = [m for m, family in FORMAT_FAMILIES.items() if fmt in family]
            if not any(m in modalities for m in families):
                yield Problem(
                    "output_format_unmatched",
                    severity,
                    o.at("output_formats", i),
                    _(
                        "“%(format)s” is a %(modality)s format, but %(modality)s is not an output "
                        "modality: add the modality or remove the format."
                    )
                    % {"format": fmt, "modality": families[0]},
                )


# ---------------------------------------------------------------------------
# 6. Third-party models
# ---------------------------------------------------------------------------


@check("third_party_not_listed", "third_party_not_described")
def third_party_models(ctx: Context) -> Iterator[Problem]:
    # The proof of use is a material (filings.materials; check `materials`).
    for o in ctx.objects("algorithm"):
        used = o.data.get("third_party_models") or []
        if not used:
            continue
        described = _text(o.data.get("model_and_training_data"))
        missing = [m.get("name") for m in used if m.get("name") and m.get("name") not in described]
        if missing and described:
            yield Problem(
                "third_party_not_described",
                WARNING,
                o.at("model_and_training_data"),
                _(
                    "Name the third-party model(s) %(names)s here, with vendor and filing number, "
                    "as the portal expects."
                )
                % {"names": "、".join(missing)},
            )
        for i, model in enumerate(used):
            number = _text(model.get("filing_number")).strip()
            if not number:
                continue
            answer = ctx.lookup(number)
            if not answer or answer.get("status") != "absent" or not answer.get("latest_batch"):
                # Found: the UI shows the listing. Malformed: `formats` says so.
                # No list loaded at all: nothing to compare with.
                continue
            yield Problem(
                "third_party_not_listed",
                WARNING,
                o.at("third_party_models", i, "filing_number"),
                _(
                    "%(number)s is not in the CAC lists loaded up to %(batch)s. Check the number "
                    "with the vendor; if it was filed after that batch, keep the vendor's filing "
                    "notice with the proof."
                )
                % {"number": number, "batch": answer["latest_batch"]},
            )


# ---------------------------------------------------------------------------
# 7. Role rules
# ---------------------------------------------------------------------------


@check(
    "deployment_missing",
    "deployment_service_unknown",
    "technical_service_modes_missing",
    "supporter_deployments",
    "supporter_role_type",
)
def role_rules(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        role = o.data.get("role")
        deployments = o.data.get("deployments") or []
        if role == Role.SERVICE_PROVIDER and not deployments:
            yield Problem(
                "deployment_missing",
                ERROR,
                o.at("deployments"),
                _(
                    "A service provider lists at least one product function that uses the "
                    "algorithm, with its access path (e.g. 示例新闻 APP: 首页 → 推荐)."
                ),
            )
        if role == Role.TECHNICAL_SUPPORTER:
            if _blank(o.data.get("technical_service_modes")):
                yield Problem(
                    "technical_service_modes_missing",
                    ERROR,
                    o.at("technical_service_modes"),
                    _(
                        "A technical supporter says how it provides the technology: choose at "
                        "least one technical service mode (e.g. API, SDK)."
                    ),
                )
            if deployments:
                yield Problem(
                    "supporter_deployments",
                    WARNING,
                    o.at("deployments"),
                    _(
                        "The portal asks a technical supporter for technical service modes, not "
                        "products: remove the product functions, or file as service provider."
                    ),
                )
            if o.data.get("type") and o.data.get("type") != AlgorithmType.GENERATION_SYNTHESIS:
                yield Problem(
                    "supporter_role_type",
                    WARNING,
                    o.at("role"),
                    _(
                        "The portal offers the role technical supporter only for generation and "
                        "synthesis algorithms: choose service provider, or check the type."
                    ),
                )
        keys = {s.get("key") for s in o.provider.get("services") or []}
        for i, d in enumerate(deployments):
            if d.get("service") not in keys:
                yield Problem(
                    "deployment_service_unknown",
                    ERROR,
                    o.at("deployments", i, "service"),
                    _("Choose one of the provider's products for this function."),
                )


# ---------------------------------------------------------------------------
# 8. Texts: too short, too long, pasted twice
# ---------------------------------------------------------------------------

# Length rules (too short, too long) are declared on the shape fields
# (shapes.Length in filings.interchange.shapes), which the forms' counters and
# the JSON Schema read too.


def _severity(length: shapes.Length) -> str:
    return WARNING if length.over == shapes.WARNING else ERROR


# Long texts of one algorithm that should each say something of their own.
LONG_TEXTS: tuple[tuple[str, str], ...] = (
    ("algorithm", "summary"),
    ("algorithm", "usage_scenario"),
    ("algorithm", "data.sources"),
    ("algorithm", "model_and_training_data"),
    ("algorithm", "strategy"),
    ("algorithm", "risks_and_safeguards"),
    ("disclosure", "basic_principle"),
    ("disclosure", "operating_mechanism"),
    ("disclosure", "application_scenario"),
    ("disclosure", "purpose"),
)
REPEAT_MIN = 10
_SPACE_RE = re.compile(r"\s+")


def _normalised(text: str) -> str:
    return _SPACE_RE.sub("", text).rstrip("。.；;，,").casefold()


@check("text_too_short")
def texts_too_short(ctx: Context) -> Iterator[Problem]:
    for kind, rules in shapes.ruled("length"):
        minimum, path = rules.length.least, rules.dotted
        if minimum is None:
            continue
        for o in ctx.objects(kind):
            text = _text(o.get(path))
            n = len(_SPACE_RE.sub("", text))
            if 0 < n < minimum:
                yield Problem(
                    "text_too_short",
                    WARNING,
                    o.at(*path.split(".")),
                    _(
                        "“%(field)s” has only %(n)d characters: describe it concretely in at "
                        "least %(min)d (what, how, for whom); reviewers return vague descriptions."
                    )
                    % {"field": label(kind, path), "n": n, "min": minimum},
                )


@check("text_too_long")
def texts_too_long(ctx: Context) -> Iterator[Problem]:
    for kind, rules in shapes.ruled("length"):
        length, path = rules.length, rules.dotted
        if length.most is None or length.code != "text_too_long":
            continue
        maximum, severity, note = length.most, _severity(length), length.note
        for o in ctx.objects(kind):
            n = len(_text(o.get(path)))
            if n > maximum:
                message = _("“%(field)s” has %(n)d characters; shorten it to at most %(max)d.") % {
                    "field": label(kind, path),
                    "n": n,
                    "max": maximum,
                }
                if note:
                    message = f"{message} {note}"
                yield Problem("text_too_long", severity, o.at(*path.split(".")), message)


@check("text_repeated")
def texts_repeated(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        objects = {"algorithm": o.data, "disclosure": o.data.get("disclosure") or {}}
        first: dict[str, tuple[str, str]] = {}
        for kind, path in LONG_TEXTS:
            text = _normalised(_text(_value(objects[kind], path)))
            if len(text) < REPEAT_MIN:
                continue
            if text in first:
                yield Problem(
                    "text_repeated",
                    WARNING,
                    o.at(*(() if kind == "algorithm" else (kind,)), *path.split(".")),
                    _(
                        "This text is the same as “%(first)s”: say here what this field asks "
                        "for; reviewers treat pasted text as a sign of a template report."
                    )
                    % {"first": label(*first[text])},
                )
            else:
                first[text] = (kind, path)


# ---------------------------------------------------------------------------
# 9. Disclosure purpose phrasing
# ---------------------------------------------------------------------------

PURPOSE_EXAMPLE = "应用于新闻资讯推荐场景，根据用户兴趣为用户推荐可能感兴趣的新闻资讯。"


@check("purpose_phrasing")
def purpose_phrasing(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("disclosure"):
        purpose = _text(o.data.get("purpose")).strip()
        if purpose and not (purpose.startswith("应用于") and "场景" in purpose):
            yield Problem(
                "purpose_phrasing",
                WARNING,
                o.at("purpose"),
                _(
                    "The CAC publishes the purpose in the form “应用于…场景，…” (7,893 of 7,945 "
                    "published entries): consider phrasing it so, e.g. %(example)s"
                )
                % {"example": PURPOSE_EXAMPLE},
            )


# ---------------------------------------------------------------------------
# 10–11. Algorithm name and type
# ---------------------------------------------------------------------------


@check("name_suffix")
def name_suffix(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        name = _text(o.data.get("name")).strip()
        # Published names may carry -1, -2 to tell same-named algorithms apart.
        if name and not NUMBER_SUFFIX_RE.sub("", name).endswith("算法"):
            yield Problem(
                "name_suffix",
                WARNING,
                o.at("name"),
                _(
                    "94%% of published names end in 算法: consider “%(suggestion)s”, and use the "
                    "same name in the disclosure and the report."
                )
                % {"suggestion": f"{name}算法"},
            )


@check("legacy_type")
def legacy_type(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        if o.data.get("type") == AlgorithmType.SEARCH_FILTERING:
            yield Problem(
                "legacy_type",
                WARNING,
                o.at("type"),
                _(
                    "Since April 2024 the CAC lists no longer use search and filtering: choose "
                    "information retrieval (matching content to a query) or content filtering "
                    "(screening content by conditions)."
                ),
            )


@check("generative_type_mismatch")
def generative_type(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        kind = o.data.get("type")
        if o.data.get("generative_ai_service") and kind and kind != "generation_synthesis":
            yield Problem(
                "generative_type_mismatch",
                WARNING,
                o.at("type"),
                _(
                    "The algorithm is marked as a public generative AI service but its type is "
                    "not generation and synthesis: check the type (a wrong type is a common "
                    "reason for return) or the generative AI flag."
                ),
            )


# ---------------------------------------------------------------------------
# 12. Launch dates
# ---------------------------------------------------------------------------


@check("launch_date_future", "launch_before_services")
def launch_dates(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        launched = _date(o.data.get("launch_date"))
        if launched is None or o.data.get("launch_status") != LaunchStatus.ONLINE:
            continue
        if launched > ctx.today:
            yield Problem(
                "launch_date_future",
                WARNING,
                o.at("launch_date"),
                _(
                    "The launch date %(date)s is in the future but the status is online: "
                    "correct the date, or set the status to not yet online."
                )
                % {"date": launched.isoformat()},
            )
        dates = [_date(s.get("launch_date")) for s in _services_of(o.data, o.provider)]
        if dates and all(dates) and launched < min(dates):
            yield Problem(
                "launch_before_services",
                WARNING,
                o.at("launch_date"),
                _(
                    "The algorithm went online on %(date)s, before any of its products "
                    "(the first on %(first)s): check the dates."
                )
                % {"date": launched.isoformat(), "first": min(dates).isoformat()},
            )


# ---------------------------------------------------------------------------
# Further return reasons that can be read from the document
# ---------------------------------------------------------------------------


@check("icp_missing")
def icp_number(ctx: Context) -> Iterator[Problem]:
    needs_icp = {ServiceForm.APP, ServiceForm.WEBSITE, ServiceForm.MINI_PROGRAM}
    for p in ctx.objects("provider"):
        forms = {s.get("form") for s in p.data.get("services") or []}
        if forms & needs_icp and _blank(p.data.get("icp_number")):
            yield Problem(
                "icp_missing",
                WARNING,
                p.at("icp_number"),
                _(
                    "Apps, websites and mini-programs need an ICP filing in the entity's own "
                    "name: enter its number, e.g. 京ICP备12345678号."
                ),
            )


@check("certificate_expired")
def certificate_validity(ctx: Context) -> Iterator[Problem]:
    for p in ctx.objects("provider"):
        until = _date(p.get("certificate.valid_until"))
        if until is not None and until < ctx.today:
            yield Problem(
                "certificate_expired",
                WARNING,
                p.at("certificate", "valid_until"),
                _(
                    "The certificate expired on %(date)s: enter the renewed certificate's "
                    "validity (empty for long-term) before the entity is reviewed."
                )
                % {"date": until.isoformat()},
            )


@check("scenario_without_product")
def scenario_names_products(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("disclosure"):
        scenario = _text(o.data.get("application_scenario"))
        names = [s.get("name") for s in _services_of(o.algorithm, o.provider) if s.get("name")]
        if scenario.strip() and names and not any(n in scenario for n in names):
            yield Problem(
                "scenario_without_product",
                WARNING,
                o.at("application_scenario"),
                _(
                    "Name the product(s) using the algorithm as in the product information "
                    "(%(names)s), e.g. 应用于%(first)s的…功能。"
                )
                % {"names": "、".join(names), "first": names[0]},
            )


@check("assessment_missing", "assessment_conclusion_missing")
def self_assessment(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        assessment = o.data.get("assessment")
        if not assessment:
            # Every item is then 未评估: no report can be concluded (issue 12 §5).
            yield Problem(
                "assessment_missing",
                ERROR,
                o.at("assessment"),
                _(
                    "Carry out the self-assessment: the filing includes its report, and "
                    "every item that applies must be assessed before approval."
                ),
            )
        elif _blank(assessment.get("conclusion")):
            yield Problem(
                "assessment_conclusion_missing",
                WARNING,
                o.at("assessment", "conclusion"),
                _(
                    "Write the self-assessment's conclusion: whether the risks are controlled, "
                    "and what remains to be done."
                ),
            )


# ---------------------------------------------------------------------------
# Materials (issue 12): every required material of filings.materials that has
# no file is an error pointing at its slot, blocking what the material blocks.
# (Replaces flowchart_missing, labeling_evidence_missing, third_party_proof_missing.)
# ---------------------------------------------------------------------------

# Hints beside the generic message, for the materials filers most often miss.
_MATERIAL_HINTS = {
    "flowchart": gettext_lazy(
        "From the user's request to the result, with the safety filtering: a missing "
        "flowchart is a common reason for return."
    ),
    "labeling_screenshots": gettext_lazy(
        "The visible mark (e.g. “AI生成”), a file's metadata label, and the user agreement "
        "clause (标识办法 Art 12)."
    ),
    "third_party_proof": gettext_lazy(
        "The contract, or a screenshot of the vendor's console showing your account."
    ),
}


@check("material_missing")
def materials(ctx: Context) -> Iterator[Problem]:
    from . import materials as materials_list

    for o in ctx.objects("algorithm"):
        slots = ctx.slots(o.data)
        if slots is None:
            continue
        filings = o.data.get("filings")
        kind = materials_list.latest_kind(filings) if filings else (ctx.kind or "initial")
        found = materials_list.facts(o.data, o.provider)
        for entry in materials_list.entries(ctx.material_rules, kind, found):
            if not entry.required or not entry.slot or entry.slot in slots:
                continue
            if entry.blocks == materials_list.SUBMISSION:
                message = _(
                    "Upload the %(material)s: the filing is submitted with it (after approval: "
                    "print, sign or seal, scan and upload)."
                )
            else:
                message = _("Upload the %(material)s: the reviewer must see it to approve.")
            message = message % {"material": entry.label}
            hint = _MATERIAL_HINTS.get(entry.code)
            yield Problem(
                "material_missing",
                ERROR,
                o.at("attachments", entry.slot),
                f"{message} {hint}" if hint else message,
                blocks=entry.blocks,
            )


# ---------------------------------------------------------------------------
# Completeness: the share of the registry's required fields that are filled
# ---------------------------------------------------------------------------


def completeness(
    document: dict, attachments: Mapping[str, Iterable[str]] | None = None
) -> dict[tuple[int, int], int]:
    """Per algorithm, keyed (provider index, algorithm index): the percentage of
    required fields (REQUIRED_FIELDS) filled, over the algorithm, its provider,
    the services it uses, its functions, third-party models and disclosure,
    plus the role rule (functions for a provider, service modes for a supporter).
    With `attachments` (as run_checks takes them), each required material with
    a slot counts as one more item. Rounded down: 100 only when nothing is missing."""
    context = Context(document, today=timezone.localdate(), attachments=attachments)
    counts: dict[tuple[int, int], list[int]] = {}
    for i, provider in enumerate(document.get("providers") or []):
        for k, algorithm in enumerate(provider.get("algorithms") or []):
            supporter = algorithm.get("role") == "technical_supporter"
            done = bool(
                algorithm.get("technical_service_modes")
                if supporter
                else algorithm.get("deployments")
            )
            counts[(i, k)] = [int(done), 1]
    for o in context.all_objects:
        for key in _counted_for(o):
            for row in REQUIRED_FIELDS.get(o.kind, ()):
                if o.kind == "filing" or (row.when is not None and not row.when(o)):
                    continue
                counts[key][0] += not _blank(o.get(row.path))
                counts[key][1] += 1
    # Each screening question of a service the algorithm uses counts too: an
    # unanswered one is an error (screening_unanswered), so 100 % needs them all.
    from .applicability import SCREENING, unanswered_screening

    questions = sum(len(paths) for paths in SCREENING.values())
    for o in context.objects("service"):
        open_questions = len(unanswered_screening(o.data))
        for key in _counted_for(o):
            counts[key][0] += questions - open_questions
            counts[key][1] += questions
    if attachments is not None:
        for problem_key, have, need in _material_counts(context):
            counts[problem_key][0] += have
            counts[problem_key][1] += need
    return {key: 100 * filled // total for key, (filled, total) in counts.items()}


def _material_counts(ctx: Context) -> Iterator[tuple[tuple[int, int], int, int]]:
    """(key, required materials with a file, required materials) per algorithm."""
    from . import materials as materials_list

    for o in ctx.objects("algorithm"):
        slots = ctx.slots(o.data) or set()
        filings = o.data.get("filings")
        kind = materials_list.latest_kind(filings) if filings else (ctx.kind or "initial")
        found = materials_list.facts(o.data, o.provider)
        wanted = [
            e
            for e in materials_list.entries(ctx.material_rules, kind, found)
            if e.required and e.slot
        ]
        yield (o.ptr[1], o.ptr[3]), sum(e.slot in slots for e in wanted), len(wanted)


def _counted_for(o: Obj) -> list[tuple[int, int]]:
    p_index = o.ptr[1]
    algorithms = o.provider.get("algorithms") or []
    if o.kind == "provider":
        return [(p_index, k) for k in range(len(algorithms))]
    if o.kind == "service":
        return [
            (p_index, k)
            for k, a in enumerate(algorithms)
            if o.data.get("key") in {d.get("service") for d in a.get("deployments") or []}
        ]
    if len(o.ptr) >= 4 and o.ptr[2] == "algorithms" and o.kind in REQUIRED_FIELDS:
        return [(p_index, o.ptr[3])]
    return []


# ---------------------------------------------------------------------------
# Issue 12 §8: more of the CAC's return reasons (portal-details §5)
# ---------------------------------------------------------------------------

_DATA_DIR = Path(__file__).resolve().parent / "data"
# Disclosure rows compared across the workspace's algorithms (generic,
# pasted 拟公示 text is returned: portal-details §5 #1).
DISCLOSURE_ROWS = ("basic_principle", "operating_mechanism", "application_scenario", "purpose")
SIMILAR_RATIO = 0.9  # difflib ratio of the normalised texts at or above which they are "the same"
SIMILAR_MIN = 20  # shorter texts (after normalising) are not compared


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _similar(a: str, b: str, a_bigrams: set[str]) -> bool:
    """difflib's ratio ≥ SIMILAR_RATIO, after two cheap filters (a workspace
    may hold a thousand algorithms): lengths that could reach the ratio, and
    shared character pairs (a 0.9 match keeps most of them)."""
    if a == b:
        return True
    if 2 * min(len(a), len(b)) < SIMILAR_RATIO * (len(a) + len(b)):
        return False
    a_chars, b_chars = set(a), set(b)
    if len(a_chars & b_chars) < 0.8 * min(len(a_chars), len(b_chars)):
        return False
    if len(a_bigrams & _bigrams(b)) < 0.6 * min(len(a_bigrams), len(b) - 1):
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR_RATIO


@check("disclosure_similar")
def disclosures_alike(ctx: Context) -> Iterator[Problem]:
    algorithms = list(ctx.objects("algorithm"))
    others = [(o.data.get("name") or "", o.data.get("disclosure") or {}, o) for o in algorithms]
    others += [(p.get("name") or "", p.get("disclosure") or {}, None) for p in ctx.peers]
    for o in algorithms:
        own = o.data.get("disclosure") or {}
        for row in DISCLOSURE_ROWS:
            text = _normalised(_text(own.get(row)))
            if len(text) < SIMILAR_MIN:
                continue
            bigrams = _bigrams(text)
            for name, disclosure, other in others:
                theirs = _text(disclosure.get(row))
                # Whitespace and end punctuation aside, lengths must be close.
                if other is o or len(theirs) < SIMILAR_RATIO / 2 * len(text):
                    continue
                if _similar(text, _normalised(theirs), bigrams):
                    yield Problem(
                        "disclosure_similar",
                        WARNING,
                        o.at("disclosure", row),
                        _(
                            "This text is the same or nearly the same as in the disclosure of "
                            "“%(other)s”: describe what is particular to this algorithm; the CAC "
                            "returns generic, copied disclosures."
                        )
                        % {"other": name or _("(unnamed algorithm)")},
                    )
                    break


def _load_json(name: str) -> dict:
    with open(_DATA_DIR / name, encoding="utf-8") as f:
        return json.load(f)


def type_keywords() -> dict[str, list[str]]:
    """filings/data/type_keywords.json: type code -> words that describe it."""
    return _load_json("type_keywords.json")["types"]


# Texts that describe what the algorithm does, read for its type.
DESCRIBING_TEXTS: tuple[tuple[str, str], ...] = (
    ("algorithm", "summary"),
    ("algorithm", "usage_scenario"),
    ("disclosure", "basic_principle"),
    ("disclosure", "purpose"),
)


@check("type_description_mismatch")
def type_matches_description(ctx: Context) -> Iterator[Problem]:
    keywords = type_keywords()
    labels = dict(AlgorithmType.choices)
    for o in ctx.objects("algorithm"):
        kind = o.data.get("type")
        if not kind or kind not in keywords:
            continue
        objects = {"algorithm": o.data, "disclosure": o.data.get("disclosure") or {}}
        text = " ".join(_text(_value(objects[k], path)) for k, path in DESCRIBING_TEXTS)
        if not text.strip() or any(word in text for word in keywords[kind]):
            continue
        hits = {
            other: [w for w in words if w in text]
            for other, words in keywords.items()
            if other != kind and other != AlgorithmType.SEARCH_FILTERING
        }
        hits = {k: v for k, v in hits.items() if v}
        if not hits:
            continue
        best = max(hits, key=lambda k: len(hits[k]))
        yield Problem(
            "type_description_mismatch",
            WARNING,
            o.at("type"),
            _(
                "The description reads like a %(suggested)s algorithm (%(words)s), not "
                "%(chosen)s: check the type; a wrong type is a common reason for return."
            )
            % {
                "suggested": labels.get(best, best),
                "words": "、".join(hits[best]),
                "chosen": labels.get(kind, kind),
            },
        )


@check("product_not_online")
def product_online_with_algorithm(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        if o.data.get("launch_status") != LaunchStatus.ONLINE:
            continue
        for service in _services_of(o.data, o.provider):
            if service.get("status") == LaunchStatus.NOT_ONLINE:
                index = (o.provider.get("services") or []).index(service)
                yield Problem(
                    "product_not_online",
                    ERROR,
                    _pointer(*o.ptr[:2], "services", index, "status"),
                    _(
                        "The algorithm is online but its product “%(product)s” is not: an "
                        "algorithm runs in a product, so set the product online (with its "
                        "launch date) or the algorithm to not yet online."
                    )
                    % {"product": service.get("name") or _("(unnamed service)")},
                )


AGE_MIN = 18
AGE_MAX = 100


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@check("id_age_implausible")
def plausible_ages(ctx: Context) -> Iterator[Problem]:
    from stdnum.cn import ric

    for o in ctx.objects("provider"):
        for person in PEOPLE:
            number = _text(o.get(f"{person}.id_number"))
            if o.get(f"{person}.id_type") != IdType.RESIDENT_ID or not number:
                continue
            try:
                birth = ric.get_birth_date(number)
            except Exception:  # an invalid number is `formats`' to report
                continue
            age = _age(birth, ctx.today)
            if AGE_MIN <= age <= AGE_MAX:
                continue
            yield Problem(
                "id_age_implausible",
                WARNING,
                o.at(person, "id_number"),
                _(
                    "By this ID number %(person)s was born on %(date)s and is %(age)d years "
                    "old: check the number (a legal representative or officer is %(min)d to "
                    "%(max)d)."
                )
                % {
                    "person": _model_field("provider", f"{person}.name").verbose_name,
                    "date": birth.isoformat(),
                    "age": age,
                    "min": AGE_MIN,
                    "max": AGE_MAX,
                },
            )


# Host names that never reach the public internet (RFC 6761, 6762, 8375 and
# common intranet suffixes). Addresses are judged by the ipaddress module; no
# name is resolved.
LOCAL_HOST_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "intranet",
    "lan",
    "home.arpa",
    "test",
    "invalid",
    "example",
)


def _non_public_host(url: str) -> str | None:
    """Why the URL's host is not reachable from the internet, or None."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if (
            address.is_private
            or address.is_loopback
            or address.is_reserved
            or address.is_link_local
            or address.is_unspecified
            or address.is_multicast
            or not address.is_global
        ):
            return _("%(host)s is a private or reserved address") % {"host": host}
        return None
    if "." not in host or any(
        host == suffix or host.endswith("." + suffix) for suffix in LOCAL_HOST_SUFFIXES
    ):
        return _("%(host)s is a local host name") % {"host": host}
    return None


@check("access_url_not_public")
def public_access_urls(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("service"):
        url = _text(o.data.get("access_url"))
        if reason := _non_public_host(url):
            yield Problem(
                "access_url_not_public",
                ERROR,
                o.at("access_url"),
                _(
                    "The CAC visits the product at its address, and %(reason)s: enter the "
                    "public address users reach it at, e.g. https://example.cn/app."
                )
                % {"reason": reason},
            )


def application_domain_list() -> tuple[list[str], str]:
    """filings/data/application_domains.json: the portal's domains, and the
    prefix of free entries (其他)."""
    data = _load_json("application_domains.json")
    return [d for c in data["classes"] for d in c["domains"]], data["other"]


@check("application_domain_unknown")
def known_application_domains(ctx: Context) -> Iterator[Problem]:
    domains, other = application_domain_list()
    known = set(domains)
    for o in ctx.objects("algorithm"):
        for value in o.data.get("application_domains") or []:
            if not isinstance(value, str) or value in known or value.startswith(other):
                continue
            yield Problem(
                "application_domain_unknown",
                WARNING,
                o.at("application_domains"),
                _(
                    "“%(value)s” is not one of the portal's application domains: choose from "
                    "its list (e.g. 新闻门户, 短视频, 出行服务), or write 其他：%(value)s."
                )
                % {"value": value},
            )


@check("summary_too_long")
def summary_length(ctx: Context) -> Iterator[Problem]:
    # 自评估「算法基本情况」: the summary's Length in the shape table.
    length = shapes.shape_field("algorithm", "summary").length
    for o in ctx.objects("algorithm"):
        n = len(_text(o.data.get("summary")))
        if n > length.most:
            yield Problem(
                "summary_too_long",
                _severity(length),
                o.at("summary"),
                _(
                    "The summary has %(n)d characters; the report's header field 算法基本情况 "
                    "takes at most %(max)d: shorten it by %(over)d."
                )
                % {"n": n, "max": length.most, "over": n - length.most},
            )


# ---------------------------------------------------------------------------
# I12-E: the generative-AI route (备案 vs 登记) and the upstream model's
# 大模型备案号 / 上线编号 (filings.generative; gai-filing-reference.md §3, §4.5)
# ---------------------------------------------------------------------------


@check(
    "generative_model_source_missing",
    "generative_upstream_missing",
    "gai_number_missing",
    "gai_number_malformed",
    "gai_number_not_listed",
)
def generative_route_checks(ctx: Context) -> Iterator[Problem]:
    from . import generative
    from .choices import ModelSource

    for o in ctx.objects("algorithm"):
        if not generative.is_generative_provider(o.data):
            continue
        source = generative.model_source(o.data)
        used = o.data.get("third_party_models") or []
        if not source:
            yield Problem(
                "generative_model_source_missing",
                ERROR,
                o.at("x", "model_source"),
                _(
                    "Say where the generative model comes from: your own model or a filed model "
                    "fine-tuned or changed goes the 大模型备案 route; a filed model called through "
                    "its API unchanged goes the 登记 route."
                ),
            )
        if source in (ModelSource.MODIFIED, ModelSource.API_UNCHANGED) and not used:
            yield Problem(
                "generative_upstream_missing",
                WARNING,
                o.at("third_party_models"),
                _(
                    "The service builds on a filed model: list it under third-party models with "
                    "its 大模型备案号 or 上线编号."
                ),
            )
        gai_lookup = getattr(ctx.registry_lookup, "gai", None)
        for i, model in enumerate(used):
            number = _text((model.get("x") or {}).get("gai_number")).strip()
            pointer = o.at("third_party_models", i, "x", "gai_number")
            if not number:
                if source in (ModelSource.MODIFIED, ModelSource.API_UNCHANGED):
                    yield Problem(
                        "gai_number_missing",
                        WARNING,
                        pointer,
                        _(
                            "Enter the upstream model's 大模型备案号 or 上线编号 (e.g. "
                            "Beijing-XingChen-202404280001): the 登记 and 备案 reviewers check it."
                        ),
                    )
                continue
            if generative.parse_gai_number(number) is None:
                yield Problem(
                    "gai_number_malformed",
                    WARNING,
                    pointer,
                    _(
                        "%(number)s does not look like a 大模型备案号 (省份-名称-YYYYMMDDNNNN) or "
                        "上线编号 (省份-名称-YYYYMMDDSNNNN); check it with the vendor."
                    )
                    % {"number": number},
                )
                continue
            if gai_lookup is None:
                continue
            key = ("gai", number)
            if key not in ctx._lookups:
                ctx._lookups[key] = gai_lookup(number)
            answer = ctx._lookups[key] or {}
            if answer.get("status") == "absent":
                yield Problem(
                    "gai_number_not_listed",
                    WARNING,
                    pointer,
                    _(
                        "%(number)s is not in the CAC's generative-AI lists loaded up to "
                        "%(batch)s. Check it with the vendor; if it is newer, keep the vendor's "
                        "notice with the proof."
                    )
                    % {"number": number, "batch": answer.get("latest_batch") or "—"},
                )


# ---------------------------------------------------------------------------
# I12-D (issue 12 §5–6): no conclusion without an assessment, and screening
# questions that never silently drop obligations. All these errors block
# approval: they are about the content a reviewer approves.
# ---------------------------------------------------------------------------

# A conclusion that declares the risks controllable (风险总体可控, 安全风险可控 …).
CONTROLLABLE_RE = re.compile(
    r"风险[^。；;，,\n]{0,6}(?:可控|受控|可以控制|得到(?:有效)?控制)"
    r"|\brisks?\b[^.;\n]{0,40}\b(?:controllable|under control|controlled)\b",
    re.IGNORECASE,
)
NON_COMPLIANT = "non_compliant"
PARTIAL = "partial"
# How many unassessed item ids the message names before "…".
UNANSWERED_NAMED = 5


@check("screening_unanswered")
def screening_unanswered(ctx: Context) -> Iterator[Problem]:
    from .applicability import unanswered_screening

    for p in ctx.objects("provider"):
        used = _used_service_keys(p.data)
        for i, service in enumerate(p.data.get("services") or []):
            if service.get("key") not in used:
                continue
            for path in unanswered_screening(service):
                yield Problem(
                    "screening_unanswered",
                    ERROR,
                    p.at("services", i, *path.split(".")),
                    _(
                        "Answer “%(field)s”: yes or no. Until it is answered, the self-assessment "
                        "items and obligations it would bring in apply provisionally (to be "
                        "confirmed), and the filing cannot be approved."
                    )
                    % {"field": label("service", path)},
                )


def _answer_rows(assessment: dict) -> list[tuple[int, dict]]:
    return [(i, a) for i, a in enumerate(assessment.get("answers") or []) if isinstance(a, dict)]


def _applicable(ctx: Context, o: Obj) -> dict[str, tuple[str, ...]] | None:
    """Item id -> its metrics, for the items that apply to the algorithm (also
    provisionally); None without a catalogue."""
    from .applicability import (
        DOES_NOT_APPLY,
        algorithm_facts,
        applicability,
        unknown_facts,
    )

    if ctx.catalogue is None:
        return None
    p_index, a_index = o.ptr[1], o.ptr[3]
    facts = algorithm_facts(ctx.document, p_index, a_index)
    unknown = unknown_facts(ctx.document, p_index, a_index)
    return {
        item_id: metrics
        for item_id, condition, metrics in ctx.catalogue.items
        if applicability(condition, facts, unknown) != DOES_NOT_APPLY
    }


@check(
    "assessment_unanswered",
    "rectification_missing",
    "metric_outside_threshold",
    "conclusion_unsupported",
    "partial_without_reason",
)
def assessment_complete(ctx: Context) -> Iterator[Problem]:
    for o in ctx.objects("algorithm"):
        assessment = o.data.get("assessment")
        if not assessment:
            continue  # assessment_missing says so
        applicable = _applicable(ctx, o)
        rows = _answer_rows(assessment)
        if applicable is not None:
            rows = [(i, a) for i, a in rows if a.get("item") in applicable]
        standing = []  # problems that make a "controllable" conclusion unsupported

        if applicable is not None:
            answered = {a.get("item") for _i, a in rows if not _blank(a.get("status"))}
            missing = [item for item in applicable if item not in answered]
            if missing:
                named = "、".join(missing[:UNANSWERED_NAMED])
                if len(missing) > UNANSWERED_NAMED:
                    named += "…"
                problem = Problem(
                    "assessment_unanswered",
                    ERROR,
                    o.at("assessment", "answers"),
                    _(
                        "%(missing)d of the %(total)d self-assessment items that apply are not "
                        "assessed (%(items)s): answer each one (compliant, partially compliant, "
                        "non-compliant or not applicable) before concluding."
                    )
                    % {"missing": len(missing), "total": len(applicable), "items": named},
                )
                standing.append(problem)
                yield problem

        for i, answer in rows:
            status = answer.get("status")
            x = answer.get("x") or {}
            if status == NON_COMPLIANT:
                path = None
                if _blank(x.get("rectification")):
                    path = "rectification"
                elif _date(x.get("rectification_due")) is None:
                    path = "rectification_due"
                if path:
                    problem = Problem(
                        "rectification_missing",
                        ERROR,
                        o.at("assessment", "answers", i, "x", path),
                        _(
                            "Item %(item)s is non-compliant: give the rectification plan "
                            "(整改措施) and the date by which it will be done (整改时限)."
                        )
                        % {"item": answer.get("item") or "?"},
                    )
                    standing.append(problem)
                    yield problem
            elif status == PARTIAL and _blank(answer.get("justification")):
                yield Problem(
                    "partial_without_reason",
                    WARNING,
                    o.at("assessment", "answers", i, "justification"),
                    _(
                        "Item %(item)s is partially compliant: say what is missing and how it "
                        "will be closed, with a date."
                    )
                    % {"item": answer.get("item") or "?"},
                )

        if applicable is not None:
            for problem in _metrics_outside(ctx, o, assessment, applicable, rows):
                standing.append(problem)
                yield problem

        conclusion = _text(assessment.get("conclusion"))
        if standing and CONTROLLABLE_RE.search(conclusion):
            yield Problem(
                "conclusion_unsupported",
                ERROR,
                o.at("assessment", "conclusion"),
                _(
                    "The conclusion says the risks are controllable, but %(count)d problem(s) "
                    "of the assessment stand (items not assessed, non-compliance without a "
                    "rectification plan, metrics outside their thresholds): resolve them, or "
                    "conclude what the assessment shows."
                )
                % {"count": len(standing)},
            )


def _metrics_outside(
    ctx: Context,
    o: Obj,
    assessment: dict,
    applicable: dict[str, tuple[str, ...]],
    rows: list[tuple[int, dict]],
) -> Iterator[Problem]:
    """TC260-003 / GB/T 45654 quantities outside their thresholds that no
    answer to an item asking for them justifies (justification or rectification)."""
    measured = assessment.get("metrics") or {}
    if not isinstance(measured, dict):
        return
    answers = {a.get("item"): a for _i, a in rows}
    asked: dict[str, list[str]] = {}
    for item_id, metrics in applicable.items():
        for metric_id in metrics:
            asked.setdefault(metric_id, []).append(item_id)
    for metric_id, items in asked.items():
        if ctx.catalogue.metric_passes(metric_id, measured.get(metric_id)) is not False:
            continue
        justified = any(
            not _blank((answers.get(item) or {}).get("justification"))
            or not _blank(((answers.get(item) or {}).get("x") or {}).get("rectification"))
            for item in items
        )
        if justified:
            continue
        comparator, threshold, unit = ctx.catalogue.metrics[metric_id]
        yield Problem(
            "metric_outside_threshold",
            ERROR,
            o.at("assessment", "metrics", metric_id),
            _(
                "%(metric)s is %(value)s, outside its threshold (%(comparator)s %(threshold)s%(unit)s): "
                "correct the value, or explain the gap and its rectification in the answer to "
                "%(items)s."
            )
            % {
                "metric": metric_id,
                "value": measured.get(metric_id),
                "comparator": comparator.replace(">=", "≥").replace("<=", "≤"),
                "threshold": f"{threshold.normalize():f}",
                "unit": " %" if unit == "percent" else "",
                "items": "、".join(items),
            },
        )
