import csv

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from filings import choices, validators
from tests.conftest import shared_path


def _ric(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def _codes(callable_, *args):
    with pytest.raises(ValidationError) as info:
        callable_(*args)
    return info.value.code if hasattr(info.value, "code") else None


class TestUscc:
    @pytest.mark.parametrize("value", ["91110108MA01ABCD1E", "91440300708461136T"])
    def test_it_accepts_valid_codes(self, value):
        validators.validate_uscc(value)

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("91110108MA01ABCD1F", "uscc_checksum"),
            ("91110108MA01ABCD1", "uscc_length"),
            ("91110108MA01ABCD1EE", "uscc_length"),
            ("9111010XMA01ABCD1E", "uscc_format"),
            ("91110108MA01ABCDIE", "uscc_format"),
            ("91110108ma01abcd1e", "uscc_format"),
            ("9111 0108MA01ABCD1E", "uscc_format"),
            (" 91110108MA01ABCD1E", "uscc_format"),
        ],
    )
    def test_it_rejects_invalid_codes(self, value, code):
        assert _codes(validators.validate_uscc, value) == code


class TestResidentId:
    def test_it_accepts_a_valid_number(self):
        validators.validate_resident_id("11010519491231002X")
        validators.validate_resident_id("110108199003071238")

    def test_it_accepts_lowercase_x(self):
        validators.validate_resident_id("11010519491231002x")

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("110105194912310021", "id_checksum"),
            ("11010519491231002", "id_length"),
            ("1101051949123100211", "id_length"),
            ("1101051949123100A1", "id_format"),
            (_ric("11010519491332002"), "id_birth_date"),
        ],
    )
    def test_it_rejects_invalid_numbers(self, value, code):
        assert _codes(validators.validate_resident_id, value) == code

    def test_a_region_the_library_dates_differently_is_a_warning_not_an_error(self):
        # 310115 (Pudong New Area) was created in 1993; the library has no county for it in 1985.
        number = _ric("31011519850612004")
        validators.validate_resident_id(number)
        warnings = validators.resident_id_warnings(number)
        assert len(warnings) == 1 and "region code" in warnings[0]
        assert (
            "310115" not in warnings[0]
        )  # checks are shown to every role: no digits of the number

    def test_a_known_region_gives_no_warning(self):
        assert validators.resident_id_warnings("110108199003071238") == []

    def test_other_id_types_are_checked_for_shape_only(self):
        validators.validate_id_number(choices.IdType.PASSPORT, "E12345678")
        with pytest.raises(ValidationError):
            validators.validate_id_number(choices.IdType.PASSPORT, "E1 2345678!")
        with pytest.raises(ValidationError):
            validators.validate_id_number(choices.IdType.RESIDENT_ID, "E12345678")


class TestMobile:
    @pytest.mark.parametrize("value", ["13800138000", "19912345678", "15000000000"])
    def test_it_accepts_mainland_mobiles(self, value):
        validators.validate_mobile(value)

    @pytest.mark.parametrize(
        "value", ["12800138000", "1380013800", "138001380000", "+8613800138000", "1380013800a"]
    )
    def test_it_rejects_others(self, value):
        assert _codes(validators.validate_mobile, value) == "mobile_format"


class TestRegionCode:
    def test_it_accepts_six_digits(self):
        validators.validate_region_code("110108")

    @pytest.mark.parametrize("value", ["11010", "1101080", "11010A"])
    def test_it_rejects_others(self, value):
        assert _codes(validators.validate_region_code, value) == "region_code_format"


class TestFilingNumber:
    def test_it_accepts_the_21_digit_form_without_warning(self):
        validators.validate_filing_number("网信算备110108823483901230031号")
        assert validators.filing_number_warnings("网信算备110108823483901230031号") == []

    def test_it_accepts_the_22_digit_form_with_a_warning(self):
        validators.validate_filing_number("网信算备1101082242366066220017号")
        assert len(validators.filing_number_warnings("网信算备1101082242366066220017号")) == 1

    @pytest.mark.parametrize(
        "value",
        [
            "网信算备11010882348390123003号",  # 20 digits
            "网信算备11010882348390123003111号",  # 23 digits
            "网信算备110108823483901230031",  # no 号
            "110108823483901230031",
            "网信备110108823483901230031号",
            "Beijing-YunQue-20230821",
        ],
    )
    def test_it_rejects_other_shapes(self, value):
        assert _codes(validators.validate_filing_number, value) == "filing_number_format"

    @pytest.mark.shared
    def test_every_published_number_is_accepted(self):
        path = shared_path("data", "cac", "records.csv")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            numbers = [row["recordNumber"] for row in csv.DictReader(handle)]
        assert len(numbers) == 7945
        warned = []
        for number in numbers:
            validators.validate_filing_number(number)
            if validators.filing_number_warnings(number):
                warned.append(number)
        assert warned == ["网信算备1101082242366066220017号"]


class TestCodeLists:
    def test_it_accepts_known_codes_once_each(self):
        validators.CodeListValidator(choices.Modality)(["text", "image", "3d"])

    @pytest.mark.parametrize("value", [["text", "smell"], ["text", "text"], "text", [1]])
    def test_it_rejects_unknown_repeated_or_non_list_values(self, value):
        with pytest.raises(ValidationError):
            validators.CodeListValidator(choices.Modality)(value)

    def test_output_formats_are_lowercase_extensions(self):
        validators.validate_output_formats(["txt", "json", "mp4"])
        for bad in (["TXT"], [".txt"], ["txt", "txt"], [""], "txt"):
            with pytest.raises(ValidationError):
                validators.validate_output_formats(bad)

    def test_string_lists_need_non_empty_texts(self):
        validators.validate_string_list(["首页", "推荐"])
        for bad in (["首页", ""], ["  "], "首页", [1]):
            with pytest.raises(ValidationError):
                validators.validate_string_list(bad)
