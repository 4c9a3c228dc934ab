import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registry.models import PUBLISHED_FIELDS, RegistryRecord
from tests.registry.csvs import deep_synthesis, listing, number, write_csv

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestImportRegistry:
    def test_it_prints_the_counts(self, tmp_path):
        path = write_csv(tmp_path / "l.csv", [listing(1), listing(2)])

        first = run("import_registry", str(path))
        again = run("import_registry", str(path))

        assert "Imported 2 rows in" in first
        assert "2 created, 0 updated, 0 unchanged. Latest batch: 2022年8月." in first
        assert "0 created, 0 updated, 2 unchanged" in again

    def test_a_bad_file_fails_with_the_problem_list(self, tmp_path):
        path = write_csv(tmp_path / "l.csv", [listing(1, recordNumber="x"), listing(2, batch="")])

        with pytest.raises(CommandError) as info:
            run("import_registry", str(path))

        # run_from_argv turns a CommandError into this exit status.
        assert info.value.returncode == 1
        message = str(info.value)
        assert "was not imported; nothing was written" in message
        assert "Row 2: recordNumber “x” is malformed." in message
        assert "Row 3: batch is blank." in message
        assert not RegistryRecord.objects.exists()


class TestRegistryLookup:
    @pytest.fixture
    def loaded(self, tmp_path):
        rows = [listing(1), deep_synthesis(1, recordNumber=number(1))]
        call_command("import_registry", str(write_csv(tmp_path / "l.csv", rows)), stdout=StringIO())

    def test_it_prints_the_record_as_json(self, loaded):
        out = run("registry_lookup", number(1))

        data = json.loads(out)
        assert set(data) == set(PUBLISHED_FIELDS)
        assert data["filing_number"] == number(1)
        assert data["algorithm_name"] == "示例生成合成算法1"
        assert data["announcement_date"] == "2023-06-20"
        assert '"entity_name": "北京示例1科技有限公司"' in out  # not \u-escaped
        assert out.startswith('{\n  "')

    def test_all_prints_every_listing(self, loaded):
        data = json.loads(run("registry_lookup", number(1), "--all"))

        assert [d["filing_type"] for d in data] == [
            "深度合成服务算法备案",
            "互联网信息服务算法备案",
        ]

    def test_an_absent_number_fails(self, loaded):
        with pytest.raises(CommandError) as info:
            run("registry_lookup", number(7))

        assert info.value.returncode == 1
        assert str(info.value) == f"{number(7)} is in none of the published lists loaded."
