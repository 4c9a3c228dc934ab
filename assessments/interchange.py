"""The self-assessment's part of the interchange document: each algorithm's
"assessment" with its answers and risks, and the document's "x.catalogue"
(shared/spec/interchange.md). Registered into filings' shape table in
AssessmentsConfig.ready(), so that filings' export, import and JSON Schema
carry it without importing this app."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from filings.interchange.shapes import Field, Part, Shape, object_data

from .models import Answer, Assessment, CatalogueItem, Risk

_f = Field.of


class AssessmentPart(Part):
    key = "assessment"
    shapes = {
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
            required=("item",),
        ),
        "risk": Shape(Risk, (_f("kind"), _f("description")), required=("kind",)),
    }
    select_related = ("assessment",)
    prefetch_related = ("assessment__answers", "assessment__risks")
    replaced = (Assessment,)

    def export(self, algorithm, where: str, at) -> dict | None:
        assessment = getattr(algorithm, "assessment", None)
        if assessment is None:
            return None
        at(assessment, where)
        answers = list(assessment.answers.all())
        risks = list(assessment.risks.all())
        for i, answer in enumerate(answers):
            at(answer, f"{where}/answers/{i}")
        for i, risk in enumerate(risks):
            at(risk, f"{where}/risks/{i}")
        return {
            **object_data("assessment", assessment),
            "answers": [object_data("answer", a) for a in answers],
            "risks": [object_data("risk", r) for r in risks],
        }

    def document_extras(self, providers: list[dict]) -> dict:
        catalogue = _catalogue_listing(providers)
        return {"catalogue": catalogue} if catalogue else {}

    def plan(self, planner, data: dict, pointer: tuple) -> dict[str, Any]:
        answers = [
            planner.obj("answer", x, (*pointer, "answers", i))
            for i, x in enumerate(data.get("answers", []))
        ]
        planner.unique(
            [(x.obj.item, x.pointer) for x in answers],
            "item",
            _("Item “%(value)s” is answered twice (first at %(first)s)."),
        )
        risks = [
            planner.obj("risk", x, (*pointer, "risks", i), position=i)
            for i, x in enumerate(data.get("risks", []))
        ]
        return {
            "assessment": planner.obj("assessment", data, pointer),
            "answers": answers,
            "risks": risks,
        }

    def save(self, planned: dict[str, Any], *, algorithm, saver) -> None:
        assessment = saver.save(planned["assessment"].obj, "assessment", algorithm=algorithm)
        for answer in planned["answers"]:
            saver.later(answer.obj, assessment=assessment)
        for risk in planned["risks"]:
            saver.later(risk.obj, assessment=assessment)


def _catalogue_listing(providers: list[dict]) -> list[dict]:
    """The catalogue items the answers refer to, with their legal basis, so that
    another installation can map our item ids (shared/spec/interchange.md)."""
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
