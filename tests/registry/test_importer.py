import datetime as dt
import hashlib
import io

import pytest

from registry.importer import PROBLEMS_SHOWN, RegistryImportError, import_registry
from registry.models import RegistryImport, RegistryRecord
from tests.registry.csvs import HEADER, csv_text, deep_synthesis, listing, number, write_csv

pytestmark = pytest.mark.django_db


def refused(source) -> RegistryImportError:
    with pytest.raises(RegistryImportError) as info:
        import_registry(source)
    return info.value


def assert_nothing_written():
    assert not RegistryRecord.objects.exists()
    assert not RegistryImport.objects.exists()


class TestImport:
    def test_it_creates_a_row_per_listing(self, tmp_path):
        path = write_csv(tmp_path / "lists.csv", [listing(1), listing(2), listing(3)])

        result = import_registry(path)

        assert (result.rows_total, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
        record = RegistryRecord.objects.get(filing_number=number(2))
        assert record.algorithm_name == "示例个性化推荐算法2"
        assert record.entity_name == "北京示例2科技有限公司"
        assert record.algorithm_class == "个性化推送类"
        assert record.filing_type == "互联网信息服务算法备案"
        assert record.announcement_date == dt.date(2022, 8, 1)
        assert record.announcement_date_text == "2022-08"
        assert record.domain_tags == "新闻资讯"

    def test_it_records_the_import(self, tmp_path):
        path = write_csv(tmp_path / "lists.csv", [listing(1), deep_synthesis(2)])

        result = import_registry(path)

        assert result.record == RegistryImport.objects.get()
        assert result.record.file_name == "lists.csv"
        assert result.record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (result.record.rows_total, result.record.created) == (2, 2)
        assert result.record.latest_batch == "2023年6月"
        assert result.record.started_at <= result.record.finished_at

    def test_it_keeps_the_day_of_an_announcement(self, tmp_path):
        import_registry(write_csv(tmp_path / "ds.csv", [deep_synthesis(1)]))

        record = RegistryRecord.objects.get()
        assert record.announcement_date == dt.date(2023, 6, 20)
        assert record.announcement_date_text == "2023-06-20"
        assert record.role == "深度合成-服务提供者"

    def test_it_accepts_the_published_22_digit_number(self, tmp_path):
        odd = "网信算备1101082242366066220017号"
        import_registry(write_csv(tmp_path / "l.csv", [listing(1, recordNumber=odd)]))

        assert RegistryRecord.objects.get().filing_number == odd

    def test_the_same_number_in_two_lists_is_two_listings(self, tmp_path):
        # As published: ten 2022 生成合成类 filings were listed again in the
        # first deep-synthesis list under the same number.
        rows = [listing(1), deep_synthesis(1, recordNumber=number(1))]

        result = import_registry(write_csv(tmp_path / "l.csv", rows))

        assert result.created == 2
        assert RegistryRecord.objects.filter(filing_number=number(1)).count() == 2

    def test_it_reads_an_open_binary_file(self):
        upload = io.BytesIO(csv_text([listing(1)]).encode("utf-8"))
        upload.name = "/uploads/list.csv"

        result = import_registry(upload)

        assert result.created == 1
        assert result.record.file_name == "list.csv"

    def test_it_reads_an_open_text_file(self):
        result = import_registry(io.StringIO("\ufeff" + csv_text([listing(1)])))

        assert result.created == 1

    def test_it_skips_blank_lines_and_trims_cells(self, tmp_path):
        text = csv_text([listing(1, algorithmName="  带空格的算法 ")]) + "\n,,,,,,,,,,,,,\n"
        path = tmp_path / "l.csv"
        path.write_text(text, encoding="utf-8")

        assert import_registry(path).created == 1
        assert RegistryRecord.objects.get().algorithm_name == "带空格的算法"


class TestReimport:
    def test_the_same_file_again_changes_nothing(self, tmp_path):
        path = write_csv(tmp_path / "l.csv", [listing(1), listing(2), listing(3)])
        import_registry(path)
        before = dict(RegistryRecord.objects.values_list("pk", "updated_at"))

        result = import_registry(path)

        assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
        assert RegistryRecord.objects.count() == 3
        assert dict(RegistryRecord.objects.values_list("pk", "updated_at")) == before
        assert RegistryImport.objects.count() == 2

    def test_a_changed_remark_is_updated_in_place(self, tmp_path):
        import_registry(write_csv(tmp_path / "a.csv", [listing(1), listing(2)]))
        record = RegistryRecord.objects.get(filing_number=number(2))
        remark = "原主体名称“北京旧名科技有限公司”变更为“北京示例2科技有限公司”"

        result = import_registry(
            write_csv(tmp_path / "b.csv", [listing(1), listing(2, remark=remark)])
        )

        assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
        changed = RegistryRecord.objects.get(filing_number=number(2))
        assert changed.pk == record.pk
        assert changed.remark == remark
        assert changed.updated_at > record.updated_at
        assert changed.imported_at == record.imported_at

    def test_new_listings_are_added_and_absent_ones_kept(self, tmp_path):
        import_registry(write_csv(tmp_path / "a.csv", [listing(1)]))

        result = import_registry(
            write_csv(tmp_path / "b.csv", [deep_synthesis(2, batch="2026年5月")])
        )

        assert (result.created, result.unchanged) == (1, 0)
        assert RegistryRecord.objects.count() == 2

    def test_a_bad_row_leaves_the_registry_as_it_was(self, tmp_path):
        import_registry(write_csv(tmp_path / "a.csv", [listing(1)]))

        refused(
            write_csv(
                tmp_path / "b.csv",
                [listing(1, remark="已注销"), listing(2, recordNumber="网信算备123号")],
            )
        )

        assert RegistryRecord.objects.get().remark == ""
        assert RegistryImport.objects.count() == 1


class TestRefusals:
    def test_missing_columns_are_listed(self, tmp_path):
        header = [c for c in HEADER if c not in ("recordNumber", "batch")]

        error = refused(write_csv(tmp_path / "l.csv", [listing(1)], header=header))

        assert "batch, recordNumber" in str(error)
        assert_nothing_written()

    def test_a_gbk_file_is_refused_with_advice(self, tmp_path):
        path = write_csv(tmp_path / "excel.csv", [listing(1)], encoding="gbk")

        error = refused(path)

        assert "not UTF-8" in str(error) and "GBK" in str(error) and "CSV UTF-8" in str(error)
        assert_nothing_written()

    def test_a_file_in_some_other_encoding_is_refused(self, tmp_path):
        path = tmp_path / "latin1.csv"
        path.write_bytes(",".join(HEADER).encode() + b"\ncaf\xe9,x\n")

        error = refused(path)

        assert "not UTF-8 (undecodable byte at offset" in str(error)
        assert_nothing_written()

    def test_a_utf16_file_is_refused(self, tmp_path):
        path = write_csv(tmp_path / "unicode.csv", [listing(1)], encoding="utf-16")

        assert "UTF-16" in str(refused(path))
        assert_nothing_written()

    @pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n \n"])
    def test_an_empty_file_is_refused(self, tmp_path, content):
        path = tmp_path / "empty.csv"
        path.write_bytes(content)

        assert str(refused(path)) == "The file is empty."
        assert_nothing_written()

    def test_a_header_without_rows_is_refused(self, tmp_path):
        error = refused(write_csv(tmp_path / "l.csv", []))

        assert "header but no rows" in str(error)
        assert_nothing_written()

    def test_malformed_filing_numbers_are_reported_with_their_rows(self, tmp_path):
        rows = [
            listing(1),
            listing(2, recordNumber="网信算备11010882348390123003号"),  # 20 digits
            listing(3),
            listing(4, recordNumber="110108823483901230031"),
        ]

        error = refused(write_csv(tmp_path / "l.csv", rows))

        assert error.problems[0].startswith("Row 3: recordNumber “网信算备11010882348390123003号”")
        assert "21 digits" in error.problems[0]
        assert error.problems[1].startswith("Row 5: recordNumber “110108823483901230031”")
        assert len(error.problems) == 2
        assert_nothing_written()

    def test_a_number_twice_in_one_list_is_refused(self, tmp_path):
        rows = [listing(1), listing(2), listing(3, recordNumber=number(1))]

        error = refused(write_csv(tmp_path / "l.csv", rows))

        assert error.problems == [
            f"Row 4: filing number {number(1)} is already listed in 互联网信息服务算法备案 on row 2."
        ]
        assert_nothing_written()

    def test_blank_required_values_and_bad_dates_are_reported(self, tmp_path):
        rows = [
            listing(1, algorithmName="", entityName=""),
            listing(2, announcementDate="2022/08"),
            listing(3, announcementDate="2022-13"),
        ]

        error = refused(write_csv(tmp_path / "l.csv", rows))

        assert error.problems == [
            "Row 2: algorithmName is blank.",
            "Row 2: entityName is blank.",
            "Row 3: announcementDate “2022/08” is not a date; write YYYY-MM or YYYY-MM-DD.",
            "Row 4: announcementDate “2022-13” is not a date; write YYYY-MM or YYYY-MM-DD.",
        ]

    def test_values_too_long_for_the_database_are_reported(self, tmp_path):
        error = refused(write_csv(tmp_path / "l.csv", [listing(1, algorithmName="算" * 201)]))

        assert error.problems == ["Row 2: algorithmName has 201 characters; at most 200 fit."]

    def test_rows_with_the_wrong_number_of_cells_are_reported(self, tmp_path):
        path = tmp_path / "l.csv"
        path.write_text(csv_text([listing(1)]) + "a,b,c\n", encoding="utf-8")

        assert refused(path).problems == ["Row 3 has 3 cells; the header has 14."]

    def test_a_runaway_quoted_field_is_reported(self, tmp_path):
        path = tmp_path / "l.csv"
        path.write_text(csv_text([listing(1)]) + '"' + "x" * 200_000 + "\n", encoding="utf-8")

        assert "is not valid CSV" in str(refused(path))
        assert_nothing_written()

    def test_every_problem_is_collected_and_the_message_is_capped(self, tmp_path):
        rows = [listing(n, recordNumber=f"bad-{n}") for n in range(1, 31)]

        error = refused(write_csv(tmp_path / "l.csv", rows))

        assert len(error.problems) == 30
        lines = str(error).splitlines()
        assert len(lines) == PROBLEMS_SHOWN + 1
        assert lines[-1] == "… and 10 more problems."

    def test_an_unreadable_path_is_reported(self, tmp_path):
        assert "Cannot read" in str(refused(tmp_path / "missing.csv"))
