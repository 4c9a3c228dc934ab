"""No lost edits: a save made from a stale form is refused with both values."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from filings import wizard
from tests.factories import AlgorithmFactory, DeploymentFactory, ProviderFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

KIND = "algorithm-basic"


@pytest.fixture
def algorithm(workspace):
    return DeploymentFactory(
        algorithm=AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="原名算法")
    ).algorithm


def basic_data(algorithm, base, **changes):
    values = {
        "name": algorithm.name,
        "type": algorithm.type,
        "role": algorithm.role,
        "application_domains": "、".join(algorithm.application_domains),
        "launch_status": algorithm.launch_status,
        "launch_date": "",
    }
    values.update(changes)
    data = {f"{KIND}-{algorithm.pk}-{k}": v for k, v in values.items()}
    data["_base"] = base
    return data


def post(client, algorithm, data, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("filings:panel-save", args=[algorithm.workspace.slug, KIND, algorithm.pk]),
        data,
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def test_the_second_save_from_a_stale_form_is_refused_with_both_values(
    client, workspace, member_factory, algorithm
):
    alice, bob = (
        member_factory(workspace, Role.EDITOR, username="alice"),
        member_factory(workspace, Role.EDITOR, username="bob"),
    )
    loaded = wizard.panel_base(KIND, algorithm)  # both opened the step
    client.force_login(alice)
    response = post(client, algorithm, basic_data(algorithm, loaded, name="爱丽丝的算法"))
    assert "Saved at" in response.content.decode()
    client.force_login(bob)
    response = post(
        client,
        algorithm,
        basic_data(algorithm, loaded, name="鲍勃的算法", application_domains="新闻门户"),
    )
    body = response.content.decode()
    algorithm.refresh_from_db()
    assert (
        algorithm.name == "爱丽丝的算法" and algorithm.application_domains == []
    )  # nothing of bob's saved
    assert "someone else changed" in body and "爱丽丝的算法" in body and "鲍勃的算法" in body
    assert 'data-conflict-field="name"' in body and "alice" in body

    # Bob keeps his version: the same values against the version stored now.
    current = wizard.panel_base(KIND, algorithm)
    response = post(
        client,
        algorithm,
        basic_data(algorithm, current, name="鲍勃的算法", application_domains="新闻门户"),
    )
    algorithm.refresh_from_db()
    assert algorithm.name == "鲍勃的算法" and algorithm.application_domains == ["新闻门户"]


def test_agreeing_values_are_no_conflict(client, workspace, member_factory, algorithm):
    loaded = wizard.panel_base(KIND, algorithm)
    client.force_login(member_factory(workspace, Role.EDITOR))
    post(client, algorithm, basic_data(algorithm, loaded, name="同一个名字算法"))
    post(
        client,
        algorithm,
        basic_data(algorithm, loaded, name="同一个名字算法", application_domains="短视频"),
    )
    algorithm.refresh_from_db()
    assert algorithm.application_domains == ["短视频"]


def test_my_own_successive_autosaves_carry_the_new_version(
    client, workspace, member_factory, algorithm
):
    client.force_login(member_factory(workspace, Role.EDITOR))
    base = wizard.panel_base(KIND, algorithm)
    for name in ("第一版算法", "第二版算法", "第三版算法"):
        body = post(client, algorithm, basic_data(algorithm, base, name=name)).content.decode()
        assert "Saved at" in body
        algorithm.refresh_from_db()
        base = wizard.panel_base(KIND, algorithm)
        assert f'value="{escape(base)}"' in body  # the page's form gets the new version
    assert algorithm.name == "第三版算法"


def test_without_javascript_the_conflict_is_a_page_with_both_values(
    client, workspace, member_factory, algorithm
):
    loaded = wizard.panel_base(KIND, algorithm)
    algorithm.name = "别人的名字算法"
    algorithm.save()
    client.force_login(member_factory(workspace, Role.EDITOR))
    response = post(
        client, algorithm, basic_data(algorithm, loaded, name="我的名字算法"), htmx=False
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "别人的名字算法" in body and "我的名字算法" in body
    algorithm.refresh_from_db()
    assert algorithm.name == "别人的名字算法"
