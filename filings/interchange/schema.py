"""The JSON Schema of the interchange format, generated from the shape table
(filings.interchange.shapes); the committed copy in filings/schema/ is
checked by `manage.py interchange_schema --check` and a test."""

from __future__ import annotations

from django.db import models

from ..fields import CodeField
from ..validators import CodeListValidator
from .shapes import FORMAT, REFUSED, SHAPES, SINGLE_CHILDREN, Field, model_field

SCHEMA_ID = "https://suanbei.invalid/schema/workspace-1.json"
X_PROPERTY = {
    "type": "object",
    "description": "Product-specific additions; importers keep what they understand.",
}


def _field_schema(model_field: models.Field, key: str, rules: Field | None = None) -> dict:
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
    length = rules.length if rules is not None else None
    if length is not None and length.over == REFUSED and length.most is not None:
        # A length the portal refuses is never stored (validators.ShapeRule);
        # longer texts the checks only report (ERROR, WARNING) import as drafts.
        schema["maxLength"] = min(length.most, schema.get("maxLength", length.most))
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
        target[f.path[-1]] = _field_schema(model_field(shape, f), f.path[-1], f)
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
    defs = {name: _object_schema(name, required=SHAPES[name].required) for name in SHAPES}
    defs["provider"] = _object_schema("provider", {"key": key}, required=("key",))
    defs["service"] = _object_schema("service", {"key": key}, required=("key", "name"))
    defs["algorithm"] = _object_schema("algorithm", {"key": key}, required=("key", "name"))
    defs["deployment"] = _object_schema("deployment", {"service": key}, required=("service",))
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
