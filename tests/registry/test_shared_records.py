"""The published lists of ../shared, imported whole."""

import csv

import pytest

from registry.importer import import_registry
from registry.lookup import describe_third_party_number, lookup
from registry.models import RegistryRecord
from tests.conftest import shared_path

pytestmark = [pytest.mark.django_db, pytest.mark.shared]


def test_every_published_number_looks_up_to_its_algorithm():
    path = shared_path("data", "cac", "records.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 7945

    result = import_registry(path)

    assert (result.rows_total, result.created) == (7945, 7945)
    assert RegistryRecord.objects.count() == 7945
    assert result.record.latest_batch == "2026年5月"
    # One query: number -> name of its most recent listing, as lookup() answers.
    names = dict(
        RegistryRecord.objects.order_by("announcement_date", "pk").values_list(
            "filing_number", "algorithm_name"
        )
    )
    mismatches = [
        (row["recordNumber"], row["algorithmName"], names.get(row["recordNumber"]))
        for row in rows
        if names.get(row["recordNumber"]) != row["algorithmName"]
    ]
    assert mismatches == []
    odd = "网信算备1101082242366066220017号"
    assert lookup(odd) is not None
    assert describe_third_party_number(odd)["status"] == "found"

    again = import_registry(path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 7945)
