"""The workspace interchange format (shared/spec/interchange.md), in both directions.

One declarative table maps each JSON key to a model field. Export, import,
the JSON Schema and the error pointers all read it, so a field is added in
one place. The exported document of one algorithm is also the snapshot that
is checked and rendered; filings.snapshot takes the hashed content from it
(without its lifecycle records) and is the one place a digest is computed.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from assessments.models import Answer, Assessment, Risk
from workspaces.models import Workspace

from .fields import CodeField
from .models import (
    Algorithm,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)
from .validators import CodeListValidator

FORMAT = "suanbei.workspace/1"

# JSON keys whose blank value is exported as null rather than "": identifiers
# and codes, where "" would read as a (wrong) value.
NULL_WHEN_BLANK = frozenset(
    {
        "uscc",
        "region_code",
        "website",
        "icp_number",
        "filing_number",
        "access_url",
        "id_number",
        "mobile",
        "email",
    }
)


@dataclass(frozen=True)
class Field:
    path: tuple[str, ...]  # JSON path inside the object, e.g. ("certificate", "type")
    attr: str  # model attribute


@dataclass(frozen=True)
class Shape:
    """How one model maps to one JSON object."""

    model: type[models.Model]
    fields: tuple[Field, ...]
    children: dict[str, str] = field(
        default_factory=dict
    )  # JSON key -> shape name (lists or objects)


def _f(spec: str, attr: str | None = None) -> Field:
    path = tuple(spec.split("."))
    return Field(path, attr or path[-1])


SHAPES: dict[str, Shape] = {
    "provider": Shape(
        Provider,
        (
            _f("name"),
            _f("uscc"),
            _f("entity_type"),
            _f("region_code"),
            _f("registered_address"),
            _f("office_address"),
            _f("website"),
            _f("mau"),
            _f("certificate.type", "certificate_type"),
            _f("certificate.valid_until", "certificate_valid_until"),
            _f("icp_number"),
            _f("legal_representative.name", "legal_rep_name"),
            _f("legal_representative.id_type", "legal_rep_id_type"),
            _f("legal_representative.id_number", "legal_rep_id_number"),
            _f("security_officer.name", "officer_name"),
            _f("security_officer.id_type", "officer_id_type"),
            _f("security_officer.id_number", "officer_id_number"),
            _f("security_officer.mobile", "officer_mobile"),
            _f("security_officer.email", "officer_email"),
            _f("security_officer.position", "officer_position"),
            _f("security_organization.name", "security_org_name"),
            _f("security_organization.headcount", "security_org_headcount"),
            _f("security_organization.description", "security_org_description"),
            _f("x.staff_requirements", "security_staff_requirements"),
            _f("x.technical_measures", "security_technical_measures"),
            _f("x.certificate_address", "certificate_address"),
        ),
        {
            "management_systems": "management_system",
            "services": "service",
            "algorithms": "algorithm",
        },
    ),
    "management_system": Shape(
        ManagementSystem, (_f("kind"), _f("title"), _f("adopted_on"), _f("summary"))
    ),
    "service": Shape(
        Service,
        (
            _f("name"),
            _f("form"),
            _f("access_url"),
            _f("status"),
            _f("launch_date"),
            _f("target_users"),
            _f("real_name_required"),
            _f("prior_licences"),
            _f("dau"),
            _f("mau"),
            _f("public_opinion_attributes"),
            _f("social_mobilization"),
            _f("x.opinion_features"),
            _f("x.serves_minors"),
            _f("x.involves_workers"),
            _f("x.consumer_pricing"),
        ),
    ),
    "algorithm": Shape(
        Algorithm,
        (
            _f("name"),
            _f("type"),
            _f("role"),
            _f("generative_ai_service"),
            _f("application_domains"),
            _f("launch_status"),
            _f("launch_date"),
            _f("summary"),
            _f("usage_scenario"),
            _f("input_modalities"),
            _f("output_modalities"),
            _f("output_formats"),
            _f("data.sources", "data_sources"),
            _f("data.contains_biometric", "data_contains_biometric"),
            _f("data.contains_identity", "data_contains_identity"),
            _f("model_and_training_data"),
            _f("strategy"),
            _f("risks_and_safeguards"),
            _f("technical_service_modes"),
            _f("x.infrastructure", "infrastructure"),
            _f("x.model_source", "model_source"),
        ),
        {
            "third_party_models": "third_party_model",
            "deployments": "deployment",
            "disclosure": "disclosure",
            "filings": "filing",
            "assessment": "assessment",
        },
    ),
    "third_party_model": Shape(
        ThirdPartyModel,
        (_f("name"), _f("vendor"), _f("filing_number"), _f("x.gai_number", "gai_number")),
    ),
    "deployment": Shape(
        Deployment, (_f("function_name"), _f("function_description"), _f("access_path"))
    ),  # "service" is a key reference, handled apart
    "disclosure": Shape(
        Disclosure,
        (
            _f("basic_principle"),
            _f("operating_mechanism"),
            _f("application_scenario"),
            _f("purpose"),
            _f("disclosure_note"),
        ),
    ),
    "filing": Shape(
        Filing,
        (
            _f("kind"),
            _f("status"),
            _f("filing_number"),
            _f("submitted_on"),
            _f("filed_on"),
            _f("change_summary"),
            _f("x.event_on", "event_on"),
        ),
    ),
    "assessment": Shape(
        Assessment,
        (_f("assessed_on"), _f("report_date"), _f("metrics"), _f("conclusion")),
        {"answers": "answer", "risks": "risk"},
    ),
    "answer": Shape(
        Answer,
        (
            _f("item"),
            _f("status"),
            _f("measures"),
            _f("justification"),
            _f("x.rectification", "rectification"),
            _f("x.rectification_due", "rectification_due"),
        ),
    ),
    "risk": Shape(Risk, (_f("kind"), _f("description"))),
}
SINGLE_CHILDREN = frozenset({"disclosure", "assessment"})


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _model_field(shape: Shape, f: Field) -> models.Field:
    return shape.model._meta.get_field(f.attr)


def _to_json(model_field: models.Field, key: str, value: Any) -> Any:
    if isinstance(model_field, models.DateField):
        return value.isoformat() if value else None
    if isinstance(model_field, (models.CharField, models.TextField)):
        if value == "" and (model_field.choices or key in NULL_WHEN_BLANK):
            return None
        return value
    return value


def _from_json(model_field: models.Field, value: Any) -> Any:
    """Convert a schema-valid JSON value to the model's value."""
    if value is None:
        if isinstance(model_field, (models.CharField, models.TextField)):
            return ""
        if isinstance(model_field, models.JSONField):
            return model_field.default()
        if isinstance(model_field, models.BooleanField) and not model_field.null:
            return model_field.default
        return None
    if isinstance(model_field, models.DateField):
        return dt.date.fromisoformat(value)
    return value


def _get(data: dict, path: tuple[str, ...]) -> tuple[bool, Any]:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False, None
        data = data[part]
    return True, data


def _set(data: dict, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _object(shape_name: str, obj: models.Model) -> dict:
    shape = SHAPES[shape_name]
    out: dict = {}
    for f in shape.fields:
        _set(out, f.path, _to_json(_model_field(shape, f), f.path[-1], getattr(obj, f.attr)))
    return out


def _label(obj: models.Model) -> tuple[str, int]:
    return (obj._meta.model_name, obj.pk)


def _algorithm_dict(
    algorithm: Algorithm, key: str, service_keys: dict[int, str], where: str, locations: dict | None
) -> dict:
    def at(obj, pointer: str) -> None:
        if locations is not None:
            locations[_label(obj)] = pointer

    at(algorithm, where)
    data = {"key": key, **_object("algorithm", algorithm)}
    data["third_party_models"] = []
    for i, m in enumerate(algorithm.third_party_models.all()):
        at(m, f"{where}/third_party_models/{i}")
        data["third_party_models"].append(_object("third_party_model", m))
    data["deployments"] = []
    for i, d in enumerate(algorithm.deployments.all()):
        at(d, f"{where}/deployments/{i}")
        data["deployments"].append(
            {"service": service_keys[d.service_id], **_object("deployment", d)}
        )
    disclosure = getattr(algorithm, "disclosure", None)
    if disclosure is not None:
        at(disclosure, f"{where}/disclosure")
        data["disclosure"] = _object("disclosure", disclosure)
    data["filings"] = []
    for i, f in enumerate(algorithm.filings.all()):
        at(f, f"{where}/filings/{i}")
        data["filings"].append(_object("filing", f))
    assessment = getattr(algorithm, "assessment", None)
    if assessment is not None:
        at(assessment, f"{where}/assessment")
        data["assessment"] = {
            **_object("assessment", assessment),
            "answers": [_object("answer", a) for a in assessment.answers.all()],
            "risks": [_object("risk", r) for r in assessment.risks.all()],
        }
    return data


def _algorithm_queryset():
    return Algorithm.objects.select_related("disclosure", "assessment").prefetch_related(
        "third_party_models",
        "deployments",
        "filings",
        "assessment__answers",
        "assessment__risks",
    )


def export_workspace(
    workspace: Workspace,
    *,
    exported_at: dt.datetime | None = None,
    only_algorithm: Algorithm | None = None,
    only_algorithms: set[int] | None = None,
    locations: dict | None = None,
) -> dict:
    """The interchange document of a workspace.

    `only_algorithm` narrows it to that algorithm with its provider and the
    provider's services (the snapshot of one filing). `locations`, when
    given, is filled with (model_name, pk) -> JSON Pointer of each object.
    """
    providers = Provider.objects.filter(workspace=workspace)
    algorithms = _algorithm_queryset().order_by("pk")
    if only_algorithm is not None:
        providers = providers.filter(pk=only_algorithm.provider_id)
        algorithms = algorithms.filter(pk=only_algorithm.pk)
    if only_algorithms is not None:
        providers = providers.filter(algorithms__pk__in=only_algorithms).distinct()
        algorithms = algorithms.filter(pk__in=only_algorithms)
    providers = providers.order_by("pk").prefetch_related(
        models.Prefetch("services", queryset=Service.objects.order_by("pk")),
        models.Prefetch("algorithms", queryset=algorithms),
        "management_systems",
    )
    document_providers = []
    service_counter = algorithm_counter = 0
    for p_index, provider in enumerate(providers):
        where = f"/providers/{p_index}"
        if locations is not None:
            locations[_label(provider)] = where
        service_keys: dict[int, str] = {}
        services = []
        for s_index, service in enumerate(provider.services.all()):
            service_counter += 1
            service_keys[service.pk] = f"s{service_counter}"
            if locations is not None:
                locations[_label(service)] = f"{where}/services/{s_index}"
            services.append({"key": service_keys[service.pk], **_object("service", service)})
        algorithms_out = []
        for a_index, algorithm in enumerate(provider.algorithms.all()):
            algorithm_counter += 1
            algorithms_out.append(
                _algorithm_dict(
                    algorithm,
                    f"a{algorithm_counter}",
                    service_keys,
                    f"{where}/algorithms/{a_index}",
                    locations,
                )
            )
        systems = []
        for m_index, system in enumerate(provider.management_systems.all()):
            if locations is not None:
                locations[_label(system)] = f"{where}/management_systems/{m_index}"
            systems.append(_object("management_system", system))
        document_providers.append(
            {
                "key": f"p{p_index + 1}",
                **_object("provider", provider),
                "management_systems": systems,
                "services": services,
                "algorithms": algorithms_out,
            }
        )
    moment = exported_at or timezone.now()
    document = {
        "format": FORMAT,
        "exported_at": timezone.localtime(moment).isoformat(timespec="seconds"),
        "workspace": {"name": workspace.name},
        "providers": document_providers,
    }
    if only_algorithm is None and only_algorithms is None:
        catalogue = _catalogue_listing(document_providers)
        if catalogue:
            document["x"] = {"catalogue": catalogue}
    return document


def _catalogue_listing(providers: list[dict]) -> list[dict]:
    """The catalogue items the answers refer to, with their legal basis, so that
    another installation can map our item ids (shared/spec/interchange.md)."""
    from assessments.models import CatalogueItem

    ids = sorted(
        {
            answer["item"]
            for provider in providers
            for algorithm in provider["algorithms"]
            for answer in (algorithm.get("assessment") or {}).get("answers", [])
        }
    )
    if not ids:
        return []
    items = CatalogueItem.objects.in_bulk(ids, field_name="item_id")
    return [
        {"id": item_id, "area": items[item_id].area, "basis": items[item_id].basis}
        if item_id in items
        else {"id": item_id, "area": None, "basis": []}
        for item_id in ids
    ]


def algorithm_snapshot(algorithm: Algorithm, *, locations: dict | None = None) -> dict:
    """The data of one algorithm's filing, with its filings (checks, deadlines, copy sheet);
    filings.snapshot.content is what is hashed, diffed and rendered."""
    document = export_workspace(algorithm.workspace, only_algorithm=algorithm, locations=locations)
    document.pop("exported_at")
    return document


def algorithm_snapshots(workspace: Workspace, algorithm_ids: set[int]) -> dict[int, dict]:
    """The snapshots of many algorithms from one export: equal, key for key, to
    what algorithm_snapshot gives for each (the keys are renumbered as if each
    had been exported alone)."""
    locations: dict = {}
    document = export_workspace(workspace, only_algorithms=set(algorithm_ids), locations=locations)
    document.pop("exported_at")
    pk_at = {
        pointer: pk for (model_name, pk), pointer in locations.items() if model_name == "algorithm"
    }
    snapshots = {}
    for i, provider in enumerate(document["providers"]):
        renumber = {
            service["key"]: f"s{n}" for n, service in enumerate(provider["services"], start=1)
        }
        services = [
            {**service, "key": renumber[service["key"]]} for service in provider["services"]
        ]
        for k, algorithm in enumerate(provider["algorithms"]):
            alone = {
                **algorithm,
                "key": "a1",
                "deployments": [
                    {**d, "service": renumber[d["service"]]} for d in algorithm["deployments"]
                ],
            }
            snapshots[pk_at[f"/providers/{i}/algorithms/{k}"]] = {
                **document,
                "providers": [
                    {**provider, "key": "p1", "services": services, "algorithms": [alone]}
                ],
            }
    return snapshots


def field_pointer(model: type[models.Model], attr: str) -> str | None:
    """The JSON path (relative to its object) of a model attribute, e.g. legal_rep_name -> /legal_representative/name."""
    if model is Deployment and attr == "service":
        return "/service"
    for shape in SHAPES.values():
        if shape.model is model:
            for f in shape.fields:
                if f.attr == attr:
                    return "/" + "/".join(f.path)
    return None


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no insignificant whitespace: equal data gives equal bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------
# JSON Schema (generated from SHAPES; the committed copy is checked by a test)
# ---------------------------------------------------------------------------

SCHEMA_ID = "https://suanbei.invalid/schema/workspace-1.json"
X_PROPERTY = {
    "type": "object",
    "description": "Product-specific additions; importers keep what they understand.",
}


def _field_schema(model_field: models.Field, key: str) -> dict:
    if isinstance(model_field, models.DateField):
        return {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if isinstance(model_field, models.BooleanField):
        return {"type": ["boolean", "null"]} if model_field.null else {"type": "boolean"}
    if isinstance(model_field, (models.IntegerField,)):
        schema: dict = {"type": ["integer", "null"], "minimum": 0}
        return schema
    if isinstance(model_field, models.JSONField):
        if model_field.default is dict:
            return {"type": "object"}
        code_lists = [v for v in model_field.validators if isinstance(v, CodeListValidator)]
        items: dict = {"type": "string"}
        if code_lists:
            items["enum"] = list(code_lists[0].choices.values)
        return {"type": ["array", "null"], "items": items}
    if model_field.choices:
        values = [value for value, _label in model_field.choices]
        return {"enum": [*values, None]} if model_field.blank else {"enum": values}
    schema = {"type": ["string", "null"]}
    if isinstance(model_field, CodeField):
        # Typed codes are normalised (full-width to half-width, spaces removed)
        # before their length and format are checked: see validators.normalize_code.
        return schema
    if getattr(model_field, "max_length", None) and not isinstance(model_field, models.TextField):
        schema["maxLength"] = model_field.max_length
    return schema


def _object_schema(
    shape_name: str, extra: dict | None = None, required: tuple[str, ...] = ()
) -> dict:
    shape = SHAPES[shape_name]
    properties: dict = {"x": X_PROPERTY}
    for f in shape.fields:
        target = properties
        for part in f.path[:-1]:
            if part == "x":
                # Our own additions: typed where we define them, open to other tools' keys.
                if properties.get("x") is X_PROPERTY:
                    properties["x"] = {**X_PROPERTY, "properties": {}, "additionalProperties": True}
                node = properties["x"]
            else:
                node = target.setdefault(
                    part,
                    {
                        "type": ["object", "null"],
                        "additionalProperties": False,
                        "properties": {"x": X_PROPERTY},
                    },
                )
            target = node["properties"]
        target[f.path[-1]] = _field_schema(_model_field(shape, f), f.path[-1])
    for key, child in shape.children.items():
        if key in SINGLE_CHILDREN:
            properties[key] = {"$ref": f"#/$defs/{child}"}
        else:
            properties[key] = {"type": "array", "items": {"$ref": f"#/$defs/{child}"}}
    properties.update(extra or {})
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": list(required),
    }


def json_schema() -> dict:
    key = {"type": "string", "minLength": 1, "maxLength": 40}
    defs = {name: _object_schema(name) for name in SHAPES}
    defs["provider"] = _object_schema("provider", {"key": key}, required=("key",))
    defs["service"] = _object_schema("service", {"key": key}, required=("key", "name"))
    defs["algorithm"] = _object_schema("algorithm", {"key": key}, required=("key", "name"))
    defs["deployment"] = _object_schema("deployment", {"service": key}, required=("service",))
    defs["management_system"]["required"] = ["kind"]
    defs["answer"]["required"] = ["item"]
    defs["risk"]["required"] = ["kind"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Suanbei workspace interchange format, version 1",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "providers"],
        "properties": {
            "format": {"const": FORMAT},
            "exported_at": {"type": ["string", "null"]},
            "workspace": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"name": {"type": "string", "maxLength": 200}, "x": X_PROPERTY},
            },
            "providers": {"type": "array", "items": {"$ref": "#/$defs/provider"}},
            "x": X_PROPERTY,
        },
        "$defs": defs,
    }


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass
class Problem:
    pointer: str
    message: str

    def as_dict(self) -> dict:
        return {"pointer": self.pointer, "message": self.message}


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _pointer(*parts) -> str:
    def escape(part) -> str:
        return str(part).replace("~", "~0").replace("/", "~1")

    return "".join("/" + escape(p) for p in parts)


# Deeper than any document of the format, with room for additions under "x";
# shallow enough for every later stage (schema, JSON columns) to walk safely.
MAX_DEPTH = 64
MAX_VALUE_PROBLEMS = 100


@dataclass(frozen=True)
class _Unreadable:
    """A JSON number Python or a database cannot hold; reported with its pointer."""

    kind: str  # "integer" (over Python's digit limit) or "not_finite" (NaN, Infinity, 1e999)
    text: str

    @classmethod
    def constant(cls, text: str) -> _Unreadable:
        return cls("not_finite", text)


class _RepeatedKeys(dict):
    """An object in which a key appears more than once (the last value is kept)."""

    repeated: list[str]


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    repeated = []
    for key, _value in pairs:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    obj = _RepeatedKeys(pairs)
    obj.repeated = repeated
    return obj


def _parse_int(text: str) -> int | _Unreadable:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return _Unreadable("integer", text)


def _parse_float(text: str) -> float | _Unreadable:
    value = float(text)
    return value if math.isfinite(value) else _Unreadable("not_finite", text)


def _shown(text: str) -> str:
    """A key or text safe to print in a message: control characters and lone
    surrogates as \\uXXXX escapes."""
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text
    )


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    from django.utils.translation import gettext as _

    if "\x00" in text:
        return _("This text contains a NUL character (U+0000), which cannot be stored; remove it.")
    surrogate = _SURROGATE_RE.search(text)
    if surrogate:
        return _(
            "This text contains %(escape)s, half of a UTF-16 surrogate pair without its other half: "
            "it is not a character. The file was probably cut or written by a faulty tool; "
            "correct or remove the escape."
        ) % {"escape": f"\\u{ord(surrogate.group()):04x}"}
    return None


def _value_problems(document: Any) -> list[Problem]:
    """What JSON allows but the format cannot hold, each with its JSON Pointer:
    repeated keys, NUL characters, lone surrogates, numbers beyond what Python or
    a database holds, nesting deeper than MAX_DEPTH. Walks without recursion and
    builds a pointer only for a problem (a 20 MB file takes about a second)."""
    from django.utils.translation import gettext as _

    problems: list[Problem] = []

    def leaf(value: Any, parts: tuple) -> None:
        if isinstance(value, str):
            message = _text_problem(value)
        elif value.kind == "integer":
            message = _(
                "This number has %(digits)d digits, more than any field holds; "
                "check the value (it may have been corrupted)."
            ) % {"digits": len(value.text.lstrip("-"))}
        else:
            message = _(
                "%(value)s is not a number that can be stored (NaN and infinite numbers are "
                "not allowed); enter a finite number or null."
            ) % {"value": value.text[:40]}
        if message:
            problems.append(Problem(_pointer(*parts), message))

    stack: list[tuple[Any, tuple]] = [(document, ())]
    while stack and len(problems) < MAX_VALUE_PROBLEMS:
        value, parts = stack.pop()
        if not isinstance(value, dict | list):
            if isinstance(value, str | _Unreadable):
                leaf(value, parts)
            continue
        if len(parts) >= MAX_DEPTH:
            problems.append(
                Problem(
                    _pointer(*parts), _("The JSON is nested too deeply to be a workspace document.")
                )
            )
            continue
        if isinstance(value, dict):
            for key in getattr(value, "repeated", ()):
                problems.append(
                    Problem(
                        _pointer(*parts, _shown(key)),
                        _(
                            "The key “%(key)s” appears more than once in this object; "
                            "keep one (a reader would silently use only one of the values)."
                        )
                        % {"key": _shown(key)},
                    )
                )
            items = value.items()
        else:
            items = enumerate(value)
        children = []
        for key, item in items:
            if len(problems) >= MAX_VALUE_PROBLEMS:
                break
            if isinstance(key, str):
                message = _text_problem(key)
                if message:
                    problems.append(
                        Problem(
                            _pointer(*parts),
                            _("The key “%(key)s”: %(problem)s")
                            % {"key": _shown(key), "problem": message},
                        )
                    )
                    key = _shown(key)
            if isinstance(item, str):
                if "\x00" in item or _SURROGATE_RE.search(item):
                    leaf(item, (*parts, key))
            elif isinstance(item, dict | list | _Unreadable):
                children.append((item, (*parts, key)))
        stack.extend(reversed(children))
    if len(problems) >= MAX_VALUE_PROBLEMS:
        problems = problems[:MAX_VALUE_PROBLEMS]
        problems.append(
            Problem("", _("Further problems are not listed; correct these and import again."))
        )
    return problems


def parse(raw: bytes, *, max_bytes: int) -> dict:
    """Bytes to a document, refusing what is too big, not JSON, too deep or of another format."""
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    if len(raw) > max_bytes:
        raise ImportRefused(
            [
                Problem(
                    "",
                    _("The file is %(size)s; the limit is %(limit)s.")
                    % {"size": filesizeformat(len(raw)), "limit": filesizeformat(max_bytes)},
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
        raise ImportRefused(
            [
                Problem(
                    "",
                    _(
                        "The file is not UTF-8 text: line %(line)d has bytes that are not UTF-8. "
                        "Save it as UTF-8 and import it again."
                    )
                    % {"line": body.count(b"\n", 0, error.start) + 1},
                )
            ]
        ) from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object_pairs,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_Unreadable.constant,
        )
    except RecursionError:
        raise ImportRefused(
            [Problem("", _("The JSON is nested too deeply to be a workspace document."))]
        ) from None
    except json.JSONDecodeError as error:
        raise ImportRefused(
            [
                Problem(
                    "",
                    _("This is not valid JSON: %(error)s (line %(line)d, column %(column)d).")
                    % {"error": error.msg, "line": error.lineno, "column": error.colno},
                )
            ]
        ) from None
    problems = _value_problems(document)
    if problems:
        raise ImportRefused(problems)
    if not isinstance(document, dict):
        raise ImportRefused([Problem("", _("The document must be a JSON object."))])
    if document.get("format") != FORMAT:
        raise ImportRefused(
            [
                Problem(
                    "/format",
                    _("This is not a %(expected)s document (format is %(found)s).")
                    % {
                        "expected": FORMAT,
                        "found": json.dumps(document.get("format"), ensure_ascii=False),
                    },
                )
            ]
        )
    return document


def _schema_problems(document: dict) -> list[Problem]:
    from django.utils.translation import gettext as _
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(
        validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    ):
        pointer = _pointer(*error.absolute_path)
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            for key in unknown:
                problems.append(
                    Problem(
                        _pointer(*error.absolute_path, key),
                        _("Unknown key “%(key)s”.") % {"key": key},
                    )
                )
            continue
        if error.validator == "enum":
            allowed = ", ".join(str(v) for v in error.validator_value if v is not None)
            problems.append(
                Problem(
                    pointer,
                    _("%(value)s is not one of the codes: %(allowed)s.")
                    % {"value": json.dumps(error.instance, ensure_ascii=False), "allowed": allowed},
                )
            )
            continue
        if error.validator == "type":
            expected = (
                error.validator_value
                if isinstance(error.validator_value, list)
                else [error.validator_value]
            )
            problems.append(
                Problem(
                    pointer,
                    _("Expected %(types)s, found %(value)s.")
                    % {
                        "types": _(" or ").join(t for t in expected),
                        "value": json.dumps(error.instance, ensure_ascii=False)[:80],
                    },
                )
            )
            continue
        if error.validator in ("format", "pattern") and error.schema.get("format") == "date":
            problem = Problem(
                pointer,
                _("%(value)s is not a date: write it as YYYY-MM-DD, e.g. 2024-03-01.")
                % {"value": json.dumps(error.instance, ensure_ascii=False)[:80]},
            )
            if problem not in problems:  # the pattern and the calendar may both object
                problems.append(problem)
            continue
        if error.validator == "required":
            problems.append(
                Problem(
                    pointer,
                    _("A required key is missing: %(message)s") % {"message": error.message},
                )
            )
            continue
        problems.append(Problem(pointer, error.message))
    return problems


@dataclass
class _Planned:
    """One object to save, with where it came from and what it hangs on."""

    obj: models.Model
    pointer: tuple
    parents: dict[str, _Planned] = field(default_factory=dict)  # attr -> planned parent


def _build(
    shape_name: str, data: dict, pointer: tuple, workspace: Workspace, **extra
) -> models.Model:
    shape = SHAPES[shape_name]
    values = {}
    for f in shape.fields:
        present, value = _get(data, f.path)
        if present:
            values[f.attr] = _from_json(_model_field(shape, f), value)
    return shape.model(workspace=workspace, **values, **extra)


def _field_pointer(shape_name: str, pointer: tuple, attr: str) -> str:
    for f in SHAPES[shape_name].fields:
        if f.attr == attr:
            return _pointer(*pointer, *f.path)
    return _pointer(*pointer)


def _clean(plan: _Planned, shape_name: str, problems: list[Problem]) -> None:
    # Parents are not saved yet: skip the foreign keys and uniqueness, which
    # the plan checks itself (names within the document, references by key).
    exclude = [
        f.name for f in plan.obj._meta.fields if isinstance(f, models.ForeignKey) or f.one_to_one
    ]
    try:
        plan.obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for attr, messages in error.message_dict.items():
            where = (
                _field_pointer(shape_name, plan.pointer, attr)
                if attr != "__all__"
                else _pointer(*plan.pointer)
            )
            problems.extend(Problem(where, m) for m in messages)


@dataclass
class ImportResult:
    workspace: Workspace
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict, model: type[models.Model], n: int = 1) -> None:
        name = model._meta.model_name
        bucket[name] = bucket.get(name, 0) + n


def workspace_has_data(workspace: Workspace) -> bool:
    return Provider.objects.filter(workspace=workspace).exists()


class _Planner:
    """Turns a schema-valid document into unsaved objects, collecting every problem."""

    def __init__(self, workspace: Workspace):
        from django.utils.translation import gettext as _

        self._ = _
        self.workspace = workspace
        self.problems: list[Problem] = []
        self.providers: list[dict] = []

    def plan(self, document: dict) -> None:
        for i, data in enumerate(document.get("providers", [])):
            self.providers.append(self._provider(data, ("providers", i)))

    def _unique(self, items: list[tuple[str, tuple]], key_name: str, message: str) -> None:
        seen: dict[str, tuple] = {}
        for value, pointer in items:
            if not value:
                continue
            if value in seen:
                self.problems.append(
                    Problem(
                        _pointer(*pointer, key_name),
                        message % {"value": value, "first": _pointer(*seen[value])},
                    )
                )
            else:
                seen[value] = pointer

    def _obj(self, shape: str, data: dict, pointer: tuple, **extra) -> _Planned:
        planned = _Planned(_build(shape, data, pointer, self.workspace, **extra), pointer)
        _clean(planned, shape, self.problems)
        return planned

    def _provider(self, data: dict, pointer: tuple) -> dict:
        _ = self._
        provider = self._obj("provider", data, pointer)
        systems = [
            self._obj("management_system", m, (*pointer, "management_systems", i), position=i)
            for i, m in enumerate(data.get("management_systems", []))
        ]
        services = []
        service_by_key: dict[str, _Planned] = {}
        for i, s in enumerate(data.get("services", [])):
            planned = self._obj("service", s, (*pointer, "services", i))
            services.append(planned)
            if s["key"] in service_by_key:
                self.problems.append(
                    Problem(
                        _pointer(*pointer, "services", i, "key"),
                        _("Service key “%(key)s” is used twice.") % {"key": s["key"]},
                    )
                )
            service_by_key[s["key"]] = planned
        self._unique(
            [(s.obj.name, s.pointer) for s in services],
            "name",
            _("Another service of this provider is already named “%(value)s” (%(first)s)."),
        )
        algorithms = [
            self._algorithm(a, (*pointer, "algorithms", i), service_by_key)
            for i, a in enumerate(data.get("algorithms", []))
        ]
        self._unique(
            [(a["algorithm"].obj.name, a["algorithm"].pointer) for a in algorithms],
            "name",
            _("Another algorithm of this provider is already named “%(value)s” (%(first)s)."),
        )
        return {
            "provider": provider,
            "systems": systems,
            "services": services,
            "algorithms": algorithms,
        }

    def _algorithm(self, data: dict, pointer: tuple, service_by_key: dict[str, _Planned]) -> dict:
        _ = self._
        algorithm = self._obj("algorithm", data, pointer)
        deployments = []
        for i, d in enumerate(data.get("deployments", [])):
            planned = self._obj("deployment", d, (*pointer, "deployments", i), position=i)
            service = service_by_key.get(d["service"])
            if service is None:
                self.problems.append(
                    Problem(
                        _pointer(*pointer, "deployments", i, "service"),
                        _("“%(key)s” names no service of this provider; use one of: %(keys)s.")
                        % {"key": d["service"], "keys": ", ".join(service_by_key) or "—"},
                    )
                )
            planned.parents["service"] = service
            deployments.append(planned)
        models_ = [
            self._obj("third_party_model", m, (*pointer, "third_party_models", i), position=i)
            for i, m in enumerate(data.get("third_party_models", []))
        ]
        disclosure = (
            self._obj("disclosure", data["disclosure"], (*pointer, "disclosure"))
            if data.get("disclosure")
            else None
        )
        filings = [
            self._obj("filing", f, (*pointer, "filings", i))
            for i, f in enumerate(data.get("filings", []))
        ]
        assessment = None
        if data.get("assessment"):
            a = data["assessment"]
            a_pointer = (*pointer, "assessment")
            answers = [
                self._obj("answer", x, (*a_pointer, "answers", i))
                for i, x in enumerate(a.get("answers", []))
            ]
            self._unique(
                [(x.obj.item, x.pointer) for x in answers],
                "item",
                _("Item “%(value)s” is answered twice (first at %(first)s)."),
            )
            risks = [
                self._obj("risk", x, (*a_pointer, "risks", i), position=i)
                for i, x in enumerate(a.get("risks", []))
            ]
            assessment = {
                "assessment": self._obj("assessment", a, a_pointer),
                "answers": answers,
                "risks": risks,
            }
        return {
            "algorithm": algorithm,
            "deployments": deployments,
            "third_party_models": models_,
            "disclosure": disclosure,
            "filings": filings,
            "assessment": assessment,
        }


def _copy_fields(shape_name: str, source: models.Model, target: models.Model) -> None:
    for f in SHAPES[shape_name].fields:
        setattr(target, f.attr, getattr(source, f.attr))


def import_document(document: dict, *, workspace: Workspace, merge: bool = False) -> ImportResult:
    """Write `document` into `workspace`, all or nothing.

    An empty workspace receives everything. A workspace with data refuses
    unless `merge`: then providers are matched by name, and their services
    and algorithms by name within the provider; matched objects take the
    document's values and their algorithm's lists (deployments, models,
    filings, assessment) are replaced; nothing else is deleted.
    """
    from django.utils.translation import gettext as _

    problems = _schema_problems(document)
    if problems:
        raise ImportRefused(problems)
    if workspace.pk and workspace_has_data(workspace) and not merge:
        raise ImportRefused(
            [
                Problem(
                    "",
                    _(
                        "Workspace “%(name)s” already has data: import into an empty workspace, or merge by name."
                    )
                    % {"name": workspace.name},
                )
            ]
        )
    planner = _Planner(workspace)
    planner.plan(document)
    if planner.problems:
        raise ImportRefused(planner.problems)

    result = ImportResult(workspace=workspace)
    with transaction.atomic():
        if not workspace.pk:
            workspace.save()
        for p in planner.providers:
            _save_provider(p, workspace, result, merge=merge)
        # A filing imported as filed stands for the data as imported (filings.changes).
        from .changes import capture_imported_baselines

        capture_imported_baselines(
            a["algorithm"].obj.pk for p in planner.providers for a in p["algorithms"]
        )
    return result


def _match(
    model: type[models.Model], obj: models.Model, merge: bool, **scope
) -> models.Model | None:
    if not merge or not getattr(obj, "name", ""):
        return None
    return model.objects.filter(name=obj.name, **scope).first()


def _save(
    obj: models.Model, existing: models.Model | None, shape: str, result: ImportResult, **parents
) -> models.Model:
    if existing is not None:
        _copy_fields(shape, obj, existing)
        for attr, value in parents.items():
            setattr(existing, attr, value)
        existing.save()
        result.count(result.updated, type(existing))
        return existing
    for attr, value in parents.items():
        setattr(obj, attr, value)
    obj.save()
    result.count(result.created, type(obj))
    return obj


def _later(leaves: dict, obj: models.Model, result: ImportResult, **parents) -> None:
    """Queue a new leaf object (it has no children) for one bulk insert per model."""
    for attr, value in parents.items():
        setattr(obj, attr, value)
    leaves.setdefault(type(obj), []).append(obj)
    result.count(result.created, type(obj))


def _save_leaves(leaves: dict, by=None) -> None:
    # One insert per model, with its history rows; the algorithms they hang on
    # were saved one by one, so the version check (filings.versions) sees them.
    from simple_history.utils import bulk_create_with_history

    for model, objects in leaves.items():
        bulk_create_with_history(objects, model, batch_size=500, default_user=by)


def _save_provider(p: dict, workspace: Workspace, result: ImportResult, *, merge: bool) -> None:
    leaves: dict = {}
    provider = _save(
        p["provider"].obj,
        _match(Provider, p["provider"].obj, merge, workspace=workspace),
        "provider",
        result,
    )
    p["provider"].obj = provider
    if p["systems"] or not merge:
        replaced = provider.management_systems.all().delete()[0] if merge else 0
        if replaced:
            result.count(result.replaced, ManagementSystem, replaced)
        for planned in p["systems"]:
            _later(leaves, planned.obj, result, provider=provider)
    for planned in p["services"]:
        planned.obj = _save(
            planned.obj,
            _match(Service, planned.obj, merge, provider=provider),
            "service",
            result,
            provider=provider,
        )
    for a in p["algorithms"]:
        existing = _match(Algorithm, a["algorithm"].obj, merge, provider=provider)
        algorithm = _save(a["algorithm"].obj, existing, "algorithm", result, provider=provider)
        if existing is not None:
            for related, model in (
                ("deployments", Deployment),
                ("third_party_models", ThirdPartyModel),
                ("filings", Filing),
            ):
                n = getattr(algorithm, related).all().delete()[0]
                if n:
                    result.count(result.replaced, model, n)
            for model in (Disclosure, Assessment):
                n = model.objects.filter(algorithm=algorithm).delete()[1].get(model._meta.label, 0)
                if n:
                    result.count(result.replaced, model, n)
        for planned in a["deployments"]:
            _later(
                leaves,
                planned.obj,
                result,
                algorithm=algorithm,
                service=planned.parents["service"].obj,
            )
        for planned in a["third_party_models"]:
            _later(leaves, planned.obj, result, algorithm=algorithm)
        if a["disclosure"] is not None:
            _later(leaves, a["disclosure"].obj, result, algorithm=algorithm)
        for planned in a["filings"]:
            from .lifecycle import imported_status

            planned.obj.status = imported_status(planned.obj.status)
            _later(leaves, planned.obj, result, algorithm=algorithm)
        if a["assessment"] is not None:
            assessment = _save(
                a["assessment"]["assessment"].obj, None, "assessment", result, algorithm=algorithm
            )
            for planned in a["assessment"]["answers"]:
                _later(leaves, planned.obj, result, assessment=assessment)
            for planned in a["assessment"]["risks"]:
                _later(leaves, planned.obj, result, assessment=assessment)
    _save_leaves(leaves)
