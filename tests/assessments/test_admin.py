import json

import pytest
from django.urls import reverse

from assessments.models import CatalogueItem, CatalogueVersion, Metric
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["catalogueitem", "metric", "catalogueversion"])
def test_the_changelists_load(admin_client, catalogue, model):
    response = admin_client.get(reverse(f"admin:assessments_{model}_changelist"))
    assert response.status_code == 200


def test_an_item_change_page_loads_with_its_id_read_only(admin_client, catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    response = admin_client.get(reverse("admin:assessments_catalogueitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert b'name="item_id"' not in response.content
    assert b'name="applies_when"' in response.content


def _form(item: CatalogueItem, **changes) -> dict:
    data = {
        "area": item.area,
        "position": item.position,
        "active": "on",
        "question_zh": item.question_zh,
        "question_en": item.question_en,
        "statement_zh": item.statement_zh,
        "statement_en": item.statement_en,
        "guidance_zh": item.guidance_zh,
        "guidance_en": item.guidance_en,
        "evidence": json.dumps(item.evidence),
        "basis": json.dumps(item.basis),
        "applies_when": json.dumps(item.applies_when),
        "metrics": json.dumps(item.metrics),
    }
    data.update(changes)
    return data


def test_an_admin_edit_with_a_bad_condition_is_refused(admin_client, catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    url = reverse("admin:assessments_catalogueitem_change", args=[item.pk])
    response = admin_client.post(
        url,
        _form(item, applies_when=json.dumps({"fact": "colour", "is": True})),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "unknown fact “colour”" in response.content.decode()
    item.refresh_from_db()
    assert item.applies_when["all"][1] == {"fact": "personalised", "is": True}


def test_an_admin_edit_that_is_valid_is_saved_with_history(admin_client, catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    url = reverse("admin:assessments_catalogueitem_change", args=[item.pk])
    response = admin_client.post(url, _form(item, question_en="Reworded?"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.question_en == "Reworded?"
    assert item.history.count() == 2


def test_an_admin_edit_that_turns_the_statement_into_a_question_is_refused(admin_client, catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    url = reverse("admin:assessments_catalogueitem_change", args=[item.pk])
    response = admin_client.post(
        url, _form(item, statement_zh="是否提供关闭选项？"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "本单位已" in response.content.decode()
    item.refresh_from_db()
    assert item.statement_zh.startswith("本单位已")


def test_versions_cannot_be_added_by_hand(admin_client, catalogue):
    response = admin_client.get(reverse("admin:assessments_catalogueversion_add"))
    assert response.status_code == 403
    assert CatalogueVersion.objects.count() == 1
    assert Metric.objects.exists()


def test_clearing_the_condition_in_the_admin_means_always(admin_client, catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    url = reverse("admin:assessments_catalogueitem_change", args=[item.pk])
    response = admin_client.post(url, _form(item, applies_when="", metrics=""))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.applies_when, item.metrics) == ({}, [])
