"""The self-assessment catalogue as versioned data.

`catalogue.json` beside this file is the source: its items, their legal
basis and applicability rules, and the TC260-003 thresholds. `load_catalogue`
validates the whole file first (every problem is reported at once, with its
path) and only then writes it into the database, where admins may edit it;
the same validators guard those edits (see the models' `clean`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings.applicability import condition_problems

DEFAULT_FILE = Path(__file__).resolve().parent / "catalogue.json"

ITEM_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Za-z0-9.]+)+$")
METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*$")
AREA_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION = re.compile(r"^\d{4}\.\d+\.\d+$")
# A standard's clause or annex: "5.2", "9", "E", "A.1".
CLAUSE = re.compile(r"^(?:\d+|[A-Z])(?:\.\d+)*$")

REGULATION_KINDS = ("regulation", "standard")  # cited by article / by clause
UNITS = ("count", "percent")
COMPARATORS = (">=", "<=")
CONFIDENCE = ("F", "I", "M")  # found in a cited source / inferred / from memory
ID_MAX_LENGTH = 64  # Answer.item


class CatalogueError(ValueError):
    """The catalogue data is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Vocabulary:
    """The codes an item may use, taken from the catalogue file or the database."""

    regulations: dict[str, str]  # code -> kind
    areas: tuple[str, ...]
    evidence_kinds: frozenset[str]
    metrics: frozenset[str]


# ---------------------------------------------------------------------------
# Validators (used for the file and for admin edits)
# ---------------------------------------------------------------------------


def basis_problems(basis: Any, vocabulary: Vocabulary, where: str = "basis") -> list[str]:
    """A basis is a non-empty list of {regulation, article: int} for a regulation
    or {regulation, clause: "5.2"} for a standard."""
    if not isinstance(basis, list) or not basis:
        return [_("%(where)s: expected a non-empty list of references.") % {"where": where}]
    problems = []
    for i, ref in enumerate(basis):
        here = f"{where}[{i}]"
        if not isinstance(ref, dict):
            problems.append(_("%(where)s: expected an object.") % {"where": here})
            continue
        code = ref.get("regulation")
        kind = vocabulary.regulations.get(code) if isinstance(code, str) else None
        if kind is None:
            problems.append(
                _("%(where)s: unknown regulation “%(code)s”; known: %(codes)s.")
                % {"where": here, "code": code, "codes": ", ".join(vocabulary.regulations)}
            )
            continue
        expected = {"regulation", "article" if kind == "regulation" else "clause"}
        if set(ref) != expected:
            problems.append(
                _("%(where)s: a reference to %(code)s has exactly the keys %(keys)s.")
                % {"where": here, "code": code, "keys": ", ".join(sorted(expected))}
            )
            continue
        if kind == "regulation":
            article = ref["article"]
            if isinstance(article, bool) or not isinstance(article, int) or article < 1:
                problems.append(
                    _("%(where)s.article: expected a positive whole number, not %(value)r.")
                    % {"where": here, "value": article}
                )
        elif not isinstance(ref["clause"], str) or not CLAUSE.match(ref["clause"]):
            problems.append(
                _("%(where)s.clause: expected a clause number such as “5.2”, not %(value)r.")
                % {"where": here, "value": ref["clause"]}
            )
    return problems


def _code_list_problems(values: Any, allowed: frozenset[str], where: str, what: str) -> list[str]:
    if not isinstance(values, list):
        return [_("%(where)s: expected a list.") % {"where": where}]
    problems = []
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            problems.append(
                _("%(where)s: unknown %(what)s “%(value)s”.")
                % {"where": where, "what": what, "value": value}
            )
    if len(set(map(str, values))) != len(values):
        problems.append(_("%(where)s: a value is listed twice.") % {"where": where})
    return problems


def evidence_problems(evidence: Any, vocabulary: Vocabulary, where: str = "evidence") -> list[str]:
    problems = _code_list_problems(evidence, vocabulary.evidence_kinds, where, _("evidence kind"))
    if not problems and not evidence:
        problems.append(_("%(where)s: name at least one kind of evidence.") % {"where": where})
    return problems


def metric_ref_problems(metrics: Any, vocabulary: Vocabulary, where: str = "metrics") -> list[str]:
    return _code_list_problems(metrics, vocabulary.metrics, where, _("metric"))


def area_problems(area: Any, vocabulary: Vocabulary, where: str = "area") -> list[str]:
    if area not in vocabulary.areas:
        return [
            _("%(where)s: unknown area “%(area)s”; known: %(areas)s.")
            % {"where": where, "area": area, "areas": ", ".join(vocabulary.areas)}
        ]
    return []


def _texts_problems(value: Any, where: str, *, required: bool = True) -> list[str]:
    if not isinstance(value, dict) or set(value) != {"zh", "en"}:
        return [_("%(where)s: expected an object with “zh” and “en”.") % {"where": where}]
    problems = []
    for lang in ("zh", "en"):
        text = value[lang]
        if not isinstance(text, str) or (required and not text.strip()):
            problems.append(
                _("%(where)s.%(lang)s: expected text.") % {"where": where, "lang": lang}
            )
    return problems


def _keys_problems(obj: dict, required: set[str], optional: set[str], where: str) -> list[str]:
    problems = [
        _("%(where)s: unknown key “%(key)s”.") % {"where": where, "key": key}
        for key in sorted(set(obj) - required - optional)
    ]
    problems += [
        _("%(where)s: missing key “%(key)s”.") % {"where": where, "key": key}
        for key in sorted(required - set(obj))
    ]
    return problems


def _date_problems(value: Any, where: str) -> list[str]:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return [_("%(where)s: expected a date YYYY-MM-DD.") % {"where": where}]
    return []


def _succession_problems(value: Any, regulations: dict, where: str) -> list[str]:
    """`succeeded_by`: {"regulation": code, "from": date, "clauses": {old prefix: new}} (I12-E).

    From that date a report cites the successor instead (assessments.citations.dated_basis);
    `clauses` maps a clause (or its leading chapter) to the successor's, e.g. {"9": "B"}.
    """
    where = f"{where}.succeeded_by"
    if not isinstance(value, dict):
        return [_("%(where)s: expected an object.") % {"where": where}]
    problems = _keys_problems(value, {"regulation", "from"}, {"clauses"}, where)
    if value.get("regulation") not in regulations:
        problems.append(
            _("%(where)s.regulation: unknown regulation “%(code)s”.")
            % {"where": where, "code": value.get("regulation")}
        )
    problems += _date_problems(value.get("from"), f"{where}.from")
    clauses = value.get("clauses", {})
    if not isinstance(clauses, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in clauses.items()
    ):
        problems.append(
            _("%(where)s.clauses: expected an object of clause → clause.") % {"where": where}
        )
    return problems


def vocabulary_of(document: dict) -> Vocabulary:
    """The codes a (structurally valid) catalogue document defines."""
    return Vocabulary(
        regulations={
            code: r.get("kind")
            for code, r in (document.get("regulations") or {}).items()
            if isinstance(r, dict)
        },
        areas=tuple(a.get("code") for a in document.get("areas") or [] if isinstance(a, dict)),
        evidence_kinds=frozenset(document.get("evidence_kinds") or {}),
        metrics=frozenset(
            m.get("id") for m in document.get("metrics") or [] if isinstance(m, dict)
        ),
    )


def document_problems(document: Any) -> list[str]:
    """Every problem of a catalogue document; [] when it is valid."""
    if not isinstance(document, dict):
        return [_("The catalogue must be a JSON object.")]
    problems = _keys_problems(
        document,
        {
            "version",
            "regulations",
            "evidence_kinds",
            "report_sections",
            "areas",
            "metrics",
            "items",
        },
        {"description"},
        "catalogue",
    )
    if problems:
        return problems
    if not isinstance(document["version"], str) or not VERSION.match(document["version"]):
        problems.append(_("version: expected YEAR.MONTH.SEQUENCE, e.g. 2026.11.1."))

    regulations = document["regulations"]
    if not isinstance(regulations, dict) or not regulations:
        problems.append(_("regulations: expected an object of regulation codes."))
        regulations = {}
    for code, regulation in regulations.items():
        where = f"regulations.{code}"
        if not isinstance(regulation, dict):
            problems.append(_("%(where)s: expected an object.") % {"where": where})
            continue
        problems += _keys_problems(
            regulation, {"kind", "title", "effective"}, {"note", "succeeded_by"}, where
        )
        if regulation.get("kind") not in REGULATION_KINDS:
            problems.append(
                _("%(where)s.kind: expected one of %(kinds)s.")
                % {"where": where, "kinds": ", ".join(REGULATION_KINDS)}
            )
        problems += _texts_problems(regulation.get("title"), f"{where}.title")
        problems += _date_problems(regulation.get("effective"), f"{where}.effective")
        if "note" in regulation:
            problems += _texts_problems(regulation["note"], f"{where}.note")
        if "succeeded_by" in regulation:
            problems += _succession_problems(regulation["succeeded_by"], regulations, where)

    evidence_kinds = document["evidence_kinds"]
    if not isinstance(evidence_kinds, dict) or not evidence_kinds:
        problems.append(_("evidence_kinds: expected an object of evidence codes."))
    else:
        for code, label in evidence_kinds.items():
            problems += _texts_problems(label, f"evidence_kinds.{code}")

    problems_of_sections, section_codes = report_sections_problems(document["report_sections"])
    problems += problems_of_sections

    areas = document["areas"]
    if not isinstance(areas, list) or not areas:
        problems.append(_("areas: expected a non-empty list."))
        areas = []
    seen_areas: set[str] = set()
    for i, area in enumerate(areas):
        where = f"areas[{i}]"
        if not isinstance(area, dict):
            problems.append(_("%(where)s: expected an object.") % {"where": where})
            continue
        problems += _keys_problems(area, {"code", "label", "report_section"}, set(), where)
        if "report_section" in area and area["report_section"] not in section_codes:
            problems.append(
                _("%(where)s.report_section: unknown report section “%(code)s”; known: %(codes)s.")
                % {
                    "where": where,
                    "code": area["report_section"],
                    "codes": ", ".join(section_codes),
                }
            )
        code = area.get("code")
        if not isinstance(code, str) or not AREA_CODE.match(code):
            problems.append(_("%(where)s.code: expected a snake_case code.") % {"where": where})
        elif code in seen_areas:
            problems.append(
                _("%(where)s.code: “%(code)s” is listed twice.") % {"where": where, "code": code}
            )
        seen_areas.add(code)
        problems += _texts_problems(area.get("label"), f"{where}.label")

    vocabulary = vocabulary_of(document)
    metrics = document["metrics"]
    if not isinstance(metrics, list):
        problems.append(_("metrics: expected a list."))
        metrics = []
    seen_metrics: set[str] = set()
    for i, metric in enumerate(metrics):
        where = f"metrics[{i}]"
        if not isinstance(metric, dict):
            problems.append(_("%(where)s: expected an object.") % {"where": where})
            continue
        problems += metric_problems(metric, vocabulary, where)
        if metric.get("id") in seen_metrics:
            problems.append(
                _("%(where)s.id: “%(id)s” is listed twice.") % {"where": where, "id": metric["id"]}
            )
        seen_metrics.add(metric.get("id"))

    items = document["items"]
    if not isinstance(items, list) or not items:
        problems.append(_("items: expected a non-empty list."))
        items = []
    seen_items: set[str] = set()
    used_metrics: set[str] = set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            problems.append(_("%(where)s: expected an object.") % {"where": where})
            continue
        if isinstance(item.get("id"), str):
            where = f"items[{i}] ({item['id']})"
        problems += item_problems(item, vocabulary, where)
        if item.get("id") in seen_items:
            problems.append(
                _("%(where)s.id: “%(id)s” is listed twice.") % {"where": where, "id": item["id"]}
            )
        seen_items.add(item.get("id"))
        if isinstance(item.get("metrics"), list):
            used_metrics.update(map(str, item["metrics"]))
    for metric_id in sorted(vocabulary.metrics - used_metrics - {None}):
        problems.append(_("metrics: “%(id)s” is not used by any item.") % {"id": metric_id})
    return problems


def report_sections_problems(sections: Any) -> tuple[list[str], list[str]]:
    """The headings of 四、风险防控情况 (cac-filing-reference.md §3.1), in order: (problems, codes)."""
    if not isinstance(sections, list) or not sections:
        return [_("report_sections: expected a non-empty list.")], []
    problems: list[str] = []
    codes: list[str] = []
    for i, section in enumerate(sections):
        where = f"report_sections[{i}]"
        if not isinstance(section, dict):
            problems.append(_("%(where)s: expected an object.") % {"where": where})
            continue
        problems += _keys_problems(section, {"code", "title"}, set(), where)
        code = section.get("code")
        if not isinstance(code, str) or not AREA_CODE.match(code):
            problems.append(_("%(where)s.code: expected a snake_case code.") % {"where": where})
        elif code in codes:
            problems.append(
                _("%(where)s.code: “%(code)s” is listed twice.") % {"where": where, "code": code}
            )
        else:
            codes.append(code)
        problems += _texts_problems(section.get("title"), f"{where}.title")
    return problems, codes


# The report prints a 符合 item as its statement, and a gap as "本单位尚未落实以下要求：" with the
# statement's rest, so a statement is one declarative sentence in that form. Status words would
# read as the item's conclusion.
STATEMENT_PREFIX = {"zh": "本单位已", "en": "The provider has "}
STATEMENT_END = {"zh": "。", "en": "."}
STATUS_WORDS = ("符合", "不适用", "未评估")


def statement_problems(statement: Any, where: str = "statement") -> list[str]:
    """An item's declarative statement: {"zh": "本单位已…。", "en": "The provider has ….”}."""
    problems = _texts_problems(statement, where)
    if problems:
        return problems
    for lang in ("zh", "en"):
        text = statement[lang].strip()
        if not text.startswith(STATEMENT_PREFIX[lang]) or not text.endswith(STATEMENT_END[lang]):
            problems.append(
                _("%(where)s.%(lang)s: expected one sentence “%(prefix)s…%(end)s”.")
                % {
                    "where": where,
                    "lang": lang,
                    "prefix": STATEMENT_PREFIX[lang],
                    "end": STATEMENT_END[lang],
                }
            )
    for word in STATUS_WORDS:
        if word in statement["zh"]:
            problems.append(
                _("%(where)s.zh: “%(word)s” is a conclusion of the assessment; reword.")
                % {"where": where, "word": word}
            )
    return problems


def metric_problems(metric: dict, vocabulary: Vocabulary, where: str) -> list[str]:
    problems = _keys_problems(
        metric,
        {"id", "label", "unit", "comparator", "threshold", "basis", "confidence"},
        set(),
        where,
    )
    metric_id = metric.get("id")
    if not isinstance(metric_id, str) or not METRIC_ID.match(metric_id):
        problems.append(_("%(where)s.id: expected a snake_case id.") % {"where": where})
    problems += _texts_problems(metric.get("label"), f"{where}.label")
    if metric.get("unit") not in UNITS:
        problems.append(
            _("%(where)s.unit: expected one of %(values)s.")
            % {"where": where, "values": ", ".join(UNITS)}
        )
    if metric.get("comparator") not in COMPARATORS:
        problems.append(
            _("%(where)s.comparator: expected one of %(values)s.")
            % {"where": where, "values": ", ".join(COMPARATORS)}
        )
    threshold = metric.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 0:
        problems.append(
            _("%(where)s.threshold: expected a number of at least 0.") % {"where": where}
        )
    elif metric.get("unit") == "percent" and threshold > 100:
        problems.append(_("%(where)s.threshold: a percentage is at most 100.") % {"where": where})
    problems += basis_problems(metric.get("basis"), vocabulary, f"{where}.basis")
    if metric.get("confidence") not in CONFIDENCE:
        problems.append(
            _("%(where)s.confidence: expected one of %(values)s.")
            % {"where": where, "values": ", ".join(CONFIDENCE)}
        )
    return problems


def item_problems(item: dict, vocabulary: Vocabulary, where: str) -> list[str]:
    problems = _keys_problems(
        item,
        {"id", "area", "question", "statement", "guidance", "evidence", "basis"},
        {"applies_when", "metrics"},
        where,
    )
    item_id = item.get("id")
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id) or len(item_id) > ID_MAX_LENGTH:
        problems.append(
            _("%(where)s.id: expected an id such as “ARS-17-opt-out” (at most %(max)d characters).")
            % {"where": where, "max": ID_MAX_LENGTH}
        )
    problems += area_problems(item.get("area"), vocabulary, f"{where}.area")
    problems += _texts_problems(item.get("question"), f"{where}.question")
    problems += statement_problems(item.get("statement"), f"{where}.statement")
    problems += _texts_problems(item.get("guidance"), f"{where}.guidance")
    problems += evidence_problems(item.get("evidence"), vocabulary, f"{where}.evidence")
    problems += basis_problems(item.get("basis"), vocabulary, f"{where}.basis")
    problems += condition_problems(item.get("applies_when"), f"{where}.applies_when")
    problems += metric_ref_problems(item.get("metrics", []), vocabulary, f"{where}.metrics")
    return problems


# ---------------------------------------------------------------------------
# Reading and loading
# ---------------------------------------------------------------------------


def read_catalogue(path: Path | str | None = None) -> tuple[dict, str]:
    """Parse and validate a catalogue file: (document, sha256 of its bytes)."""
    path = Path(path or DEFAULT_FILE)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogueError(
            [_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}]
        ) from error
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CatalogueError(
            [_("%(path)s is not valid UTF-8 JSON: %(error)s") % {"path": path, "error": error}]
        ) from error
    problems = document_problems(document)
    if problems:
        raise CatalogueError(problems)
    return document, hashlib.sha256(raw).hexdigest()


@dataclass
class LoadResult:
    version: str
    sha256: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


def _sync(
    model, key_field: str, rows: list[dict], result: LoadResult, stamp: dict | None = None
) -> None:
    """Create or update `rows` by their key; deactivate what the file no longer has.

    `stamp` is written only on the rows that are created or changed, so an
    unchanged row is not saved again (and gets no new history record). A new
    position alone is not a change: removing one item renumbers all after it.
    """
    stamp = stamp or {}
    existing = {getattr(obj, key_field): obj for obj in model.objects.all()}
    for values in rows:
        key = values[key_field]
        obj = existing.pop(key, None)
        if obj is None:
            model.objects.create(**values, **stamp)
            result.created.append(key)
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed == ["position"]:
            model.objects.filter(pk=obj.pk).update(position=values["position"])
            result.unchanged += 1
        elif changed:
            for name, value in {**values, **stamp}.items():
                setattr(obj, name, value)
            obj.save()
            result.updated.append(key)
        else:
            result.unchanged += 1
    # Never delete: answers refer to item ids, and history keeps what was asked.
    for key, obj in existing.items():
        if obj.active:
            obj.active = False
            obj.save(update_fields=["active", "updated_at"])
            result.deactivated.append(key)


def load_catalogue(path: Path | str | None = None) -> LoadResult:
    """Load a catalogue file into the database; running it again changes nothing."""
    from assessments.models import CatalogueItem, CatalogueVersion, Metric

    document, sha256 = read_catalogue(path)
    result = LoadResult(version=document["version"], sha256=sha256)
    with transaction.atomic():
        earlier = CatalogueVersion.objects.filter(version=document["version"]).exclude(
            sha256=sha256
        )
        if earlier.exists():
            result.warnings.append(
                _(
                    "Version %(version)s was loaded before with other content; "
                    "give changed data a new version."
                )
                % {"version": document["version"]}
            )
        version, _created = CatalogueVersion.objects.update_or_create(
            sha256=sha256,
            defaults={
                "version": document["version"],
                "source": Path(path or DEFAULT_FILE).name,
                "loaded_at": timezone.now(),
                "regulations": document["regulations"],
                "areas": document["areas"],
                "evidence_kinds": document["evidence_kinds"],
                "report_sections": document["report_sections"],
            },
        )
        _sync(
            Metric,
            "metric_id",
            [
                {
                    "metric_id": m["id"],
                    "label_zh": m["label"]["zh"],
                    "label_en": m["label"]["en"],
                    "unit": m["unit"],
                    "comparator": m["comparator"],
                    "threshold": Decimal(str(m["threshold"])),
                    "basis": m["basis"],
                    "confidence": m["confidence"],
                    "position": i,
                    "active": True,
                }
                for i, m in enumerate(document["metrics"])
            ],
            result,
        )
        _sync(
            CatalogueItem,
            "item_id",
            [
                {
                    "item_id": item["id"],
                    "area": item["area"],
                    "position": i,
                    "question_zh": item["question"]["zh"],
                    "question_en": item["question"]["en"],
                    "statement_zh": item["statement"]["zh"],
                    "statement_en": item["statement"]["en"],
                    "guidance_zh": item["guidance"]["zh"],
                    "guidance_en": item["guidance"]["en"],
                    "evidence": item["evidence"],
                    "basis": item["basis"],
                    "applies_when": item.get("applies_when") or {},
                    "metrics": item.get("metrics", []),
                    "active": True,
                }
                for i, item in enumerate(document["items"])
            ],
            result,
            stamp={"version": version},
        )
    return result


def ensure_loaded() -> LoadResult | None:
    """Load the default catalogue when the database has none (a fresh install).

    load_demo and `make run` should call this after migrating.
    """
    from assessments.models import CatalogueItem

    if CatalogueItem.objects.exists():
        return None
    try:
        return load_catalogue()
    except IntegrityError:
        # Another process loaded it at the same moment: its rows are as good as ours.
        if CatalogueItem.objects.exists():
            return None
        raise
