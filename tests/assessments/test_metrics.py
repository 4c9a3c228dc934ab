from decimal import Decimal

import pytest

from assessments.catalogue import read_catalogue
from assessments.models import Metric
from assessments.selectors import check_metrics

pytestmark = pytest.mark.django_db

METRICS = read_catalogue()[0]["metrics"]


def _row(metric_id: str, value):
    rows = {row["metric"]: row for row in check_metrics({metric_id: value})}
    return rows[metric_id]


def _around(metric: dict) -> list[tuple[Decimal, bool]]:
    """(value, passes) just below, at and just above the limit."""
    step = Decimal("0.1") if metric["unit"] == "percent" else Decimal(1)
    limit = Decimal(str(metric["threshold"]))
    at_least = metric["comparator"] == ">="
    return [(limit - step, not at_least), (limit, True), (limit + step, at_least)]


@pytest.mark.parametrize("metric", METRICS, ids=[m["id"] for m in METRICS])
def test_each_threshold_at_and_around_its_limit(catalogue, metric):
    for value, passes in _around(metric):
        number = int(value) if value == value.to_integral_value() else float(value)
        row = _row(metric["id"], number)
        assert row["passes"] is passes, (metric["id"], number)
        assert row["comparator"] == metric["comparator"]
        assert row["threshold"] == Decimal(str(metric["threshold"]))
        assert row["value"] == number


@pytest.mark.parametrize(
    ("metric_id", "value", "passes"),
    [
        ("corpus_manual_sample", 3999, False),
        ("corpus_manual_sample", 4000, True),
        ("corpus_manual_sample", 4001, True),
        ("corpus_manual_pass_rate", 95.9, False),
        ("corpus_manual_pass_rate", 96, True),
        ("corpus_manual_pass_rate", 96.1, True),
        ("corpus_technical_sample_share", 9.99, False),
        ("corpus_technical_sample_share", 10, True),
        ("corpus_technical_pass_rate", 97.9, False),
        ("corpus_technical_pass_rate", 98.0, True),
        ("keyword_count", 9999, False),
        ("keyword_count", 10000, True),
        ("generated_test_bank", 1999, False),
        ("generated_test_bank", 2000, True),
        ("should_refuse_bank", 499, False),
        ("should_refuse_bank", 500, True),
        ("non_refusal_bank", 500, True),
        ("generated_assessment_sample", 999, False),
        ("generated_assessment_sample", 1000, True),
        ("generated_pass_rate", 89.9, False),
        ("generated_pass_rate", 90, True),
        ("should_refuse_sample", 299, False),
        ("should_refuse_sample", 300, True),
        ("should_refuse_rate", 94.9, False),
        ("should_refuse_rate", 95, True),
        ("non_refusal_sample", 300, True),
        ("non_refusal_refusal_rate", 4.9, True),
        ("non_refusal_refusal_rate", 5, True),
        ("non_refusal_refusal_rate", 5.1, False),
        ("corpus_source_harmful_share", 4.9, True),
        ("corpus_source_harmful_share", 5, True),
        ("corpus_source_harmful_share", 5.1, False),
        ("corpus_source_harmful_share", 0, True),
    ],
)
def test_the_limits_of_the_reference(catalogue, metric_id, value, passes):
    assert _row(metric_id, value)["passes"] is passes


@pytest.mark.parametrize("value", [None, True, "many", "NaN", -1, [4000]])
def test_a_missing_or_unusable_value_is_not_judged(catalogue, value):
    assert _row("corpus_manual_sample", value)["passes"] is None


def test_a_percentage_above_100_is_not_judged(catalogue):
    assert _row("corpus_manual_pass_rate", 100)["passes"] is True
    assert _row("corpus_manual_pass_rate", 100.1)["passes"] is None


def test_a_numeric_string_is_read_as_a_number(catalogue):
    assert _row("corpus_manual_sample", "4000")["passes"] is True


def test_one_row_per_active_metric_in_catalogue_order(catalogue):
    rows = check_metrics({"corpus_manual_sample": 5000, "not_a_metric": 1})
    assert [row["metric"] for row in rows] == [m["id"] for m in METRICS]
    assert sum(row["passes"] is not None for row in rows) == 1


def test_a_threshold_corrected_in_the_database_is_used(catalogue):
    Metric.objects.filter(metric_id="corpus_manual_sample").update(threshold=5000)
    assert _row("corpus_manual_sample", 4000)["passes"] is False
    Metric.objects.filter(metric_id="corpus_manual_sample").update(active=False)
    assert "corpus_manual_sample" not in {r["metric"] for r in check_metrics({})}


def test_it_loads_the_catalogue_when_the_database_has_none(db):
    assert len(check_metrics({})) == len(METRICS)
