import pytest
from django.urls import reverse

from demo.workspace import load_demo
from filings.copysheet import copy_sheet
from filings.interchange import algorithm_snapshot
from filings.models import Algorithm
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed():
    load_demo()
    return Algorithm.objects.get(name="示例新闻个性化推荐算法")


def test_the_sheet_follows_the_portal_order_in_chinese(feed):
    sections = copy_sheet(algorithm_snapshot(feed))
    assert [s.title_zh for s in sections] == [
        "主体信息",
        "算法基础属性",
        "算法详细属性",
        "产品及功能",
        "功能",
        "拟公示内容",
    ]
    basic = {row.label_zh: row.text for row in sections[1].rows}
    assert basic["算法名称"] == "示例新闻个性化推荐算法"
    assert basic["算法类型"] == "个性化推送类"
    assert basic["应用领域"] == "新闻门户、用户内容生成(UGC)"
    entity = [row.label_zh for row in sections[0].rows]
    assert "法定代表人的证件类型" in entity or any(
        "证件类型" in label and "法定代表人" in label for label in entity
    )
    function = {row.label_zh: row for row in sections[4].rows}
    assert function["功能访问路径"].text == "首页 → 推荐"
    assert function["功能介绍"].length == len(function["功能介绍"].text)


def test_a_technical_supporter_lists_service_modes_not_products():
    load_demo()
    supporter = Algorithm.objects.get(role="technical_supporter")
    titles = [s.title_zh for s in copy_sheet(algorithm_snapshot(supporter))]
    assert "技术服务方式" in titles and "产品及功能" not in titles


def test_the_page_has_copy_buttons_and_counts(client, feed):
    client.force_login(feed.workspace.memberships.get(role="owner").user)
    body = client.get(reverse("filings:copy-sheet", args=["demo", feed.pk])).content.decode()
    assert "data-copy-target" in body and 'data-length="11"' in body


def test_the_page_is_scoped(client, feed):
    url = reverse("filings:copy-sheet", args=["demo", feed.pk])
    assert client.get(url).status_code == 302
    client.force_login(MembershipFactory(workspace=WorkspaceFactory()).user)
    assert client.get(url).status_code == 404


def test_a_viewer_may_read_it(client, feed, member_factory):
    client.force_login(member_factory(feed.workspace, Role.VIEWER))
    assert client.get(reverse("filings:copy-sheet", args=["demo", feed.pk])).status_code == 200
