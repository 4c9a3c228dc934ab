import pytest

from registry.importer import import_registry
from registry.lookup import describe_third_party_number, latest_batch, latest_import, lookup
from tests.registry.csvs import deep_synthesis, listing, number, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(tmp_path):
    rows = [
        listing(1, batch="2022年8月", announcementDate="2022-08"),
        # "2022年10月" sorts before "2022年8月" as text; the date decides.
        listing(2, batch="2022年10月", announcementDate="2022-10"),
        deep_synthesis(2, recordNumber=number(2), batch="2023年6月", announcementDate="2023-06-20"),
    ]
    return import_registry(write_csv(tmp_path / "lists.csv", rows))


def test_it_finds_a_number(loaded):
    assert lookup(number(1)).algorithm_name == "示例个性化推荐算法1"
    assert lookup(f"  {number(1)} ").algorithm_name == "示例个性化推荐算法1"


def test_it_returns_the_most_recent_listing_of_a_number_in_two_lists(loaded):
    assert lookup(number(2)).filing_type == "深度合成服务算法备案"


def test_it_returns_none_for_an_unknown_number(loaded):
    assert lookup(number(99)) is None


def test_latest_batch_goes_by_announcement_date(tmp_path):
    import_registry(
        write_csv(
            tmp_path / "l.csv",
            [
                listing(1, batch="2022年8月", announcementDate="2022-08"),
                listing(2, batch="2022年10月", announcementDate="2022-10"),
            ],
        )
    )
    assert latest_batch() == "2022年10月"
    assert latest_import().latest_batch == "2022年10月"


def test_nothing_loaded_means_no_latest_batch_or_import():
    assert latest_batch() is None
    assert latest_import() is None
    assert describe_third_party_number(number(1)) == {
        "status": "absent",
        "record": None,
        "latest_batch": None,
    }


class TestDescribeThirdPartyNumber:
    def test_a_listed_number_is_found_with_its_record(self, loaded):
        result = describe_third_party_number(number(1))

        assert result["status"] == "found"
        assert result["record"].entity_name == "北京示例1科技有限公司"
        assert result["latest_batch"] == "2023年6月"

    def test_a_well_formed_unlisted_number_is_absent_and_names_the_latest_batch(self, loaded):
        assert describe_third_party_number(number(42)) == {
            "status": "absent",
            "record": None,
            "latest_batch": "2023年6月",
        }

    @pytest.mark.parametrize(
        "value", ["", "网信算备123号", "Beijing-YunQue-20230821", "110108823483901230031"]
    )
    def test_a_malformed_number_is_malformed(self, loaded, value):
        result = describe_third_party_number(value)

        assert result["status"] == "malformed" and result["record"] is None

    def test_it_takes_two_queries(self, loaded, django_assert_num_queries):
        with django_assert_num_queries(2):
            describe_third_party_number(number(1))
