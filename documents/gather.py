"""What a document needs beyond the snapshot, read from the database once.

The snapshot holds the filing's data; the self-assessment report also
quotes the catalogue (each applicable item's question and legal basis, the
regulations' titles, the TC260 thresholds). `gather` collects those as
plain JSON, which the job stores, so that rendering (documents.render)
never touches the database.
"""

from __future__ import annotations

from assessments.catalogue import ensure_loaded
from assessments.models import CatalogueItem, CatalogueVersion, Metric
from assessments.selectors import applicable_items, check_metrics

CONTEXT_FORMAT = 1


def _item(item: CatalogueItem) -> dict:
    return {
        "id": item.item_id,
        "area": item.area,
        "question_zh": item.question_zh,
        "question_en": item.question_en,
        "statement_zh": item.statement_zh,
        "statement_en": item.statement_en,
        "basis": list(item.basis or []),
    }


def gather(snapshot: dict) -> dict:
    """The catalogue context of the (single) algorithm in `snapshot`, as JSON."""
    ensure_loaded()
    version = CatalogueVersion.current()
    items = applicable_items(snapshot, 0, 0)
    applicable = {item.item_id for item in items}
    algorithm = snapshot["providers"][0]["algorithms"][0]
    answered = [a.get("item") for a in (algorithm.get("assessment") or {}).get("answers", [])]
    # Answers to items that no longer apply (or left the catalogue) are reported apart.
    others = CatalogueItem.objects.in_bulk(
        [i for i in answered if i and i not in applicable], field_name="item_id"
    )
    metric_ids: list[str] = []
    for item in items:
        for metric_id in item.metrics or []:
            if metric_id not in metric_ids:
                metric_ids.append(metric_id)
    measured = (algorithm.get("assessment") or {}).get("metrics") or {}
    metrics = []
    if metric_ids:
        labels = {m.metric_id: m for m in Metric.objects.filter(metric_id__in=metric_ids)}
        for row in check_metrics(measured):
            metric = labels.get(row["metric"])
            if metric is None:
                continue
            metrics.append(
                {
                    "id": row["metric"],
                    "label_zh": metric.label_zh,
                    "label_en": metric.label_en,
                    "unit": metric.unit,
                    "comparator": row["comparator"],
                    "threshold": f"{row['threshold'].normalize():f}",
                    "value": row["value"],
                    "passes": row["passes"],
                }
            )
    regulations = {}
    areas = {}
    area_sections: dict[str, str] = {}
    report_sections: list[dict] = []
    if version is not None:
        for code, regulation in (version.regulations or {}).items():
            regulations[code] = {
                "kind": regulation.get("kind", "regulation"),
                "zh": (regulation.get("title") or {}).get("zh", code),
                "en": (regulation.get("title") or {}).get("en", code),
                # I12-E: the report cites the successor from its date (citations.dated_basis).
                **(
                    {"succeeded_by": regulation["succeeded_by"]}
                    if regulation.get("succeeded_by")
                    else {}
                ),
            }
        for area in version.areas or []:
            areas[area["code"]] = dict(area.get("label") or {})
            if area.get("report_section"):
                area_sections[area["code"]] = area["report_section"]
        report_sections = [
            {"code": s["code"], **dict(s.get("title") or {})} for s in version.report_sections or []
        ]
    # The report lists the items under the template's headings (四、风险防控情况), in the
    # order of those headings and, within one, of the catalogue; items are numbered in
    # this order everywhere (the report, its figure captions).
    order = {s["code"]: i for i, s in enumerate(report_sections)}
    items = sorted(items, key=lambda i: order.get(area_sections.get(i.area), len(order)))
    return {
        "format": CONTEXT_FORMAT,
        "catalogue_version": version.version if version else "",
        "regulations": regulations,
        "areas": areas,
        "area_sections": area_sections,
        "report_sections": report_sections,
        "items": [_item(item) for item in items],
        "inactive_items": [
            _item(others[i])
            if i in others
            else {
                "id": i,
                "area": "",
                "question_zh": "",
                "question_en": "",
                "statement_zh": "",
                "statement_en": "",
                "basis": [],
            }
            for i in answered
            if i and i not in applicable
        ],
        "metrics": metrics,
    }
