"""The shape table: how each model maps to one JSON object of the interchange
format (shared/spec/interchange.md). Export, import, the JSON Schema and the
error pointers all read it, so a field is added in one place.

Filings declares its own shapes. A part of each algorithm's document that an
app above filings owns (the self-assessment: "assessment", with its answers
and risks) is a `Part`, registered by that app in its AppConfig.ready(); its
shapes join the table and its key joins the algorithm's children, so that
filings never imports the app that owns it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import pointers, validators
from ..models import (
    Algorithm,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)

if TYPE_CHECKING:
    from collections.abc import Callable

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


# What more characters than Length.most are.
REFUSED = "refused"  # never stored: the model refuses them, the JSON Schema says maxLength
ERROR = "error"  # a check error (blocks the approval); a draft may hold them
WARNING = "warning"  # a check warning: longer than the published filings


@dataclass(frozen=True)
class Length:
    """The length rules of a text, in characters, declared once on its shape
    field and read by the model (validators.ShapeRule), the wizard's counters
    (wizard_forms.PanelForm), the checks (text_too_long, text_too_short,
    summary_too_long) and the JSON Schema."""

    most: int | None = None
    over: str = ERROR  # REFUSED, ERROR or WARNING
    # Fewer characters than this (whitespace not counted) read as too thin to
    # convince a reviewer: a warning ("vague mechanism descriptions",
    # "technical description unclear": cac-filing-reference §5, portal-details
    # §5 #7). These numbers are our inference, not the portal's.
    least: int | None = None
    note: str = ""  # where the number comes from, said after the check's message
    code: str = "text_too_long"  # the check's code beyond `most`


@dataclass(frozen=True)
class Field:
    path: tuple[str, ...]  # JSON path inside the object, e.g. ("certificate", "type")
    attr: str  # model attribute
    length: Length | None = None
    # The format of a code (validators.validate_*), checked on a value that is
    # present: by the model (validators.ShapeRule), the forms and the checks.
    format: Callable[[str], None] | None = None

    @classmethod
    def of(cls, spec: str, attr: str | None = None, **rules) -> Field:
        """Field.of("certificate.type", "certificate_type"); the attribute
        defaults to the last key; `rules` are `length` and `format`."""
        path = tuple(spec.split("."))
        return cls(path, attr or path[-1], **rules)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Shape:
    """How one model maps to one JSON object."""

    model: type[models.Model]
    fields: tuple[Field, ...]
    children: dict[str, str] = field(
        default_factory=dict
    )  # JSON key -> shape name (lists or objects)
    required: tuple[str, ...] = ()  # keys the JSON Schema requires


_f = Field.of

SHAPES: dict[str, Shape] = {
    "provider": Shape(
        Provider,
        (
            _f("name"),
            _f("uscc", format=validators.validate_uscc),
            _f("entity_type"),
            _f("region_code", format=validators.validate_region_code),
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
            _f("security_officer.mobile", "officer_mobile", format=validators.validate_mobile),
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
        ManagementSystem,
        (_f("kind"), _f("title"), _f("adopted_on"), _f("summary")),
        required=("kind",),
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
            _f(
                "name",
                length=Length(40, WARNING, note=_("Published names have 6 to 37 characters.")),
            ),
            _f("type"),
            _f("role"),
            _f("generative_ai_service"),
            _f("application_domains"),
            _f("launch_status"),
            _f("launch_date"),
            # 自评估「算法基本情况」≤ 150 字 (portal-details §2 [F G4]).
            _f("summary", length=Length(150, ERROR, least=50, code="summary_too_long")),
            _f("usage_scenario", length=Length(least=20)),
            _f("input_modalities"),
            _f("output_modalities"),
            _f("output_formats"),
            _f("data.sources", "data_sources"),
            _f("data.contains_biometric", "data_contains_biometric"),
            _f("data.contains_identity", "data_contains_identity"),
            _f("model_and_training_data", length=Length(least=30)),
            _f("strategy", length=Length(least=50)),
            _f("risks_and_safeguards", length=Length(least=50)),
            _f("technical_service_modes"),
            _f("x.infrastructure", "infrastructure"),
            _f("x.model_source", "model_source"),
        ),
        {
            "third_party_models": "third_party_model",
            "deployments": "deployment",
            "disclosure": "disclosure",
            "filings": "filing",
            # + the keys of the registered parts ("assessment")
        },
    ),
    "third_party_model": Shape(
        ThirdPartyModel,
        (
            _f("name"),
            _f("vendor"),
            _f("filing_number", format=validators.validate_filing_number),
            _f("x.gai_number", "gai_number"),
        ),
    ),
    "deployment": Shape(
        Deployment,
        (
            _f("function_name"),
            # The portal takes at most 500 characters [F].
            _f("function_description", length=Length(500, REFUSED, least=20)),
            _f("access_path"),
        ),
    ),  # "service" is a key reference, handled apart
    "disclosure": Shape(
        Disclosure,
        (
            _f("basic_principle", length=Length(least=30)),
            _f("operating_mechanism", length=Length(least=30)),
            _f("application_scenario", length=Length(least=15)),
            _f(
                "purpose",
                length=Length(
                    150, WARNING, note=_("Published purposes have 19 to 126 characters.")
                ),
            ),
            _f("disclosure_note"),
        ),
    ),
    "filing": Shape(
        Filing,
        (
            _f("kind"),
            _f("status"),
            _f("filing_number", format=validators.validate_filing_number),
            _f("submitted_on"),
            _f("filed_on"),
            _f("change_summary"),
            _f("x.event_on", "event_on"),
        ),
    ),
}
# Children that are one object, not a list (a set: registered parts add theirs).
SINGLE_CHILDREN: set[str] = {"disclosure"}


# ---------------------------------------------------------------------------
# Parts owned by apps above filings
# ---------------------------------------------------------------------------


class Part:
    """One key of each algorithm's object that another app owns, with its shapes.

    Subclasses set the class attributes and implement the four methods; the
    owning app registers one instance with `register_part` in its
    AppConfig.ready(). The export (filings.interchange.export), the import
    (filings.interchange.importer) and the JSON Schema call them in order of
    registration, after filings' own keys.
    """

    key: ClassVar[str]  # the algorithm's JSON key, e.g. "assessment"
    shapes: ClassVar[dict[str, Shape]]  # the shape at `key` first, then its children's
    single: ClassVar[bool] = True  # an object, not a list
    select_related: ClassVar[tuple[str, ...]] = ()  # from Algorithm, for the export
    prefetch_related: ClassVar[tuple[str, ...]] = ()
    # Models with a foreign key `algorithm` whose rows an import by merge replaces.
    replaced: ClassVar[tuple[type[models.Model], ...]] = ()

    def export(self, algorithm: Algorithm, where: str, at: Callable) -> Any:
        """The part's JSON for the algorithm, or None to leave the key out;
        `at(obj, pointer)` records where each object sits (locations)."""
        raise NotImplementedError

    def document_extras(self, providers: list[dict]) -> dict:
        """Keys for the whole document's "x" (a full export only)."""
        return {}

    def plan(self, planner, data: Any, pointer: tuple) -> Any:
        """Unsaved objects for the part's JSON; problems go to planner.problems."""
        raise NotImplementedError

    def save(self, planned: Any, *, algorithm: Algorithm, saver) -> None:
        """Write what `plan` returned under the saved `algorithm` (saver.save, saver.later)."""
        raise NotImplementedError


PARTS: dict[str, Part] = {}


def register_part(part: Part) -> None:
    """Add a part's shapes to the table and its key to the algorithm's children."""
    PARTS[part.key] = part
    SHAPES.update(part.shapes)
    SHAPES["algorithm"].children[part.key] = next(iter(part.shapes))
    if part.single:
        SINGLE_CHILDREN.add(part.key)


# ---------------------------------------------------------------------------
# Values and paths
# ---------------------------------------------------------------------------


def model_field(shape: Shape, f: Field) -> models.Field:
    return shape.model._meta.get_field(f.attr)


def to_json(model_field: models.Field, key: str, value: Any) -> Any:
    if isinstance(model_field, models.DateField):
        return value.isoformat() if value else None
    if isinstance(model_field, (models.CharField, models.TextField)):
        if value == "" and (model_field.choices or key in NULL_WHEN_BLANK):
            return None
        return value
    return value


def from_json(model_field: models.Field, value: Any) -> Any:
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


def get_path(data: dict, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(present, value) at `path` inside a JSON object."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False, None
        data = data[part]
    return True, data


def set_path(data: dict, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def pointer(*parts) -> str:
    """A JSON Pointer (RFC 6901) from its reference tokens (filings.pointers)."""
    return pointers.join(*parts)


def object_data(shape_name: str, obj: models.Model) -> dict:
    """The JSON object of one model instance (its fields, without children)."""
    shape = SHAPES[shape_name]
    out: dict = {}
    for f in shape.fields:
        set_path(out, f.path, to_json(model_field(shape, f), f.path[-1], getattr(obj, f.attr)))
    return out


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


# ---------------------------------------------------------------------------
# The rules declared on the fields (Length, format)
# ---------------------------------------------------------------------------


def shape_field(kind: str, dotted: str) -> Field:
    """The field at a dotted JSON path of an object of `kind` ("provider", "uscc")."""
    path = tuple(dotted.split("."))
    return next(f for f in SHAPES[kind].fields if f.path == path)


def field_of(model: type[models.Model], attr: str) -> Field | None:
    """The shape field of a model attribute, if the table maps it."""
    for shape in SHAPES.values():
        if shape.model is model:
            for f in shape.fields:
                if f.attr == attr:
                    return f
    return None


def ruled(rule: str) -> list[tuple[str, Field]]:
    """(kind, field) of every field that declares `rule` ("length" or "format")."""
    return [
        (kind, f)
        for kind, shape in SHAPES.items()
        for f in shape.fields
        if getattr(f, rule) is not None
    ]
