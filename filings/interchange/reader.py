"""Reading an interchange file: bytes to a document, refusing what is too big,
not UTF-8, not JSON, too deep, of another format, or what JSON allows but the
format cannot hold, and the JSON Schema's objections; each problem with its
JSON Pointer (filings.interchange.importer writes the document)."""

from __future__ import annotations

import codecs
import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .schema import json_schema
from .shapes import FORMAT
from .shapes import pointer as _pointer


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


@functools.cache
def _fast_validator():
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(json_schema(), validate_formats=True)


def _valid(document: dict) -> bool:
    """Whether the document is valid, from jsonschema-rs (compiled: a few
    milliseconds for a workspace of hundreds of algorithms, where
    python-jsonschema takes more than a second). Only a document it refuses
    goes through python-jsonschema, whose errors name each problem."""
    try:
        return _fast_validator().is_valid(document)
    except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold: the slow way
        return False


def schema_problems(document: dict) -> list[Problem]:
    from django.utils.translation import gettext as _
    from jsonschema import Draft202012Validator

    if _valid(document):
        return []

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
