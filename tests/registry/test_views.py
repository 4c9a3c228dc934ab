import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.importer import import_registry
from tests.factories import UserFactory
from tests.registry.csvs import deep_synthesis, listing, number, write_csv

pytestmark = pytest.mark.django_db

URL = reverse("registry:search")


@pytest.fixture
def user_client(client):
    client.force_login(UserFactory())
    return client


@pytest.fixture
def loaded(tmp_path):
    rows = [
        listing(
            1,
            algorithmName="网易传媒信息推送算法",
            entityName="北京网易传媒有限公司",
            product="网易新闻（APP）",
        ),
        listing(
            2,
            algorithmName="智联首页职位推荐算法",
            entityName="北京网聘信息技术有限公司",
            product="智联招聘（APP）",
            algorithmClass="检索过滤类",
        ),
        deep_synthesis(
            3,
            algorithmName="快手短视频生成合成算法",
            entityName="北京快手科技有限公司",
            product="快手（APP）",
            batch="2026年5月",
            announcementDate="2026-05-06",
        ),
    ]
    return import_registry(write_csv(tmp_path / "lists.csv", rows))


def names(response) -> list[str]:
    return [record.algorithm_name for record in response.context["page"]]


def test_it_requires_login(client):
    response = client.get(URL, {"q": "网易"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=/registry/")


def test_any_signed_in_user_sees_the_lists_without_a_workspace(user_client, loaded):
    response = user_client.get(URL, headers={"accept-language": "en"})

    body = response.content.decode()
    assert response.status_code == 200
    # Newest first, then by number.
    assert names(response) == [
        "快手短视频生成合成算法",
        "网易传媒信息推送算法",
        "智联首页职位推荐算法",
    ]
    assert "3 listings" in body
    assert "Latest batch loaded: 2026年5月" in body


def test_it_tells_when_no_list_is_loaded(user_client):
    body = user_client.get(URL, headers={"accept-language": "en"}).content.decode()

    assert "No list has been imported yet" in body and "No listing matches." in body


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("推送算法", ["网易传媒信息推送算法"]),  # algorithm name
        ("网聘", ["智联首页职位推荐算法"]),  # entity
        ("快手（APP）", ["快手短视频生成合成算法"]),  # product
        (number(2), ["智联首页职位推荐算法"]),  # exact filing number
        (f"  {number(2)}  ", ["智联首页职位推荐算法"]),
        ("0000002", ["智联首页职位推荐算法"]),  # part of a number
        ("北京", ["快手短视频生成合成算法", "网易传媒信息推送算法", "智联首页职位推荐算法"]),
        ("不存在的算法", []),
    ],
)
def test_it_searches(user_client, loaded, q, expected):
    assert names(user_client.get(URL, {"q": q})) == expected


def test_it_filters_by_class_and_batch(user_client, loaded):
    assert names(user_client.get(URL, {"class": "检索过滤类"})) == ["智联首页职位推荐算法"]
    assert names(user_client.get(URL, {"batch": "2026年5月"})) == ["快手短视频生成合成算法"]
    assert names(
        user_client.get(URL, {"q": "北京", "class": "个性化推送类", "batch": "2022年8月"})
    ) == ["网易传媒信息推送算法"]


def test_an_unknown_filter_value_is_ignored(user_client, loaded):
    response = user_client.get(URL, {"class": "<script>", "batch": "1999年1月"})

    assert len(names(response)) == 3
    assert "&lt;script&gt;" not in response.content.decode()


def test_the_batch_filter_lists_the_newest_batch_first(user_client, loaded):
    response = user_client.get(URL)

    assert response.context["batch_choices"] == ["2026年5月", "2022年8月"]


class TestPagination:
    @pytest.fixture
    def many(self, tmp_path):
        import_registry(write_csv(tmp_path / "many.csv", [listing(n) for n in range(1, 121)]))

    def test_it_shows_fifty_per_page(self, user_client, many):
        first = user_client.get(URL)
        last = user_client.get(URL, {"page": 3})

        assert len(first.context["page"]) == 50 and len(last.context["page"]) == 20
        assert first.context["page"].paginator.count == 120

    def test_the_links_keep_the_search(self, user_client, many):
        body = user_client.get(URL, {"q": "示例", "page": 2}).content.decode()

        assert "?q=%E7%A4%BA%E4%BE%8B&amp;page=3" in body
        assert "?q=%E7%A4%BA%E4%BE%8B&amp;page=1" in body

    @pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("9999", 3), ("-1", 3), ("", 1)])
    def test_a_bad_page_number_is_handled(self, user_client, many, page, shown):
        response = user_client.get(URL, {"page": page})

        assert response.status_code == 200
        assert response.context["page"].number == shown


def test_the_query_count_does_not_grow_with_the_results(
    user_client, tmp_path, django_assert_num_queries
):
    import_registry(write_csv(tmp_path / "few.csv", [listing(n) for n in range(1, 4)]))
    user_client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        user_client.get(URL, {"q": "示例"})
    import_registry(write_csv(tmp_path / "many.csv", [listing(n) for n in range(1, 121)]))

    # session, user, the base template's workspaces, classes, batches, count,
    # page, latest import: whatever that total is, it stays the same.
    with django_assert_num_queries(len(few)):
        response = user_client.get(URL, {"q": "示例", "page": 2})

    assert len(response.context["page"]) == 50


class TestDetail:
    def test_it_shows_every_listing_of_a_number(self, user_client, loaded, tmp_path):
        import_registry(
            write_csv(tmp_path / "more.csv", [deep_synthesis(1, recordNumber=number(1))])
        )

        response = user_client.get(reverse("registry:detail", args=[number(1)]))

        body = response.content.decode()
        assert response.status_code == 200
        assert "互联网信息服务算法备案" in body and "深度合成服务算法备案" in body

    def test_an_unknown_number_is_not_found(self, user_client, loaded):
        assert user_client.get(reverse("registry:detail", args=[number(99)])).status_code == 404

    def test_it_requires_login(self, client, loaded):
        assert client.get(reverse("registry:detail", args=[number(1)])).status_code == 302
