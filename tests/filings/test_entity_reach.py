"""A change to the shared provider shows its reach on other algorithms before
it is saved (filings.entity_reach, filings.reach_views)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings import changes, versions
from filings.choices import FilingStatus as S
from filings.entity_reach import entity_reach
from filings.models import Activity, Filing, Provider
from tests.factories import AlgorithmFactory, FilingFactory, ProviderFactory, WorkspaceFactory
from tests.filings.test_changes import _file
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(workspace, member_factory) -> dict:
    return {
        role: member_factory(workspace, role)
        for role in (Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER)
    }


@pytest.fixture
def trio(workspace, members, django_capture_on_commit_callbacks):
    """One provider, three algorithms: `mine` (edited), `approved` and `filed`."""
    with django_capture_on_commit_callbacks(execute=True):
        provider = ProviderFactory(workspace=workspace, legal_rep_name="张三")
        mine = AlgorithmFactory(provider=provider, name="正在编辑的算法")
        approved = AlgorithmFactory(provider=provider, name="已批准的算法")
        filed = AlgorithmFactory(provider=provider, name="已备案的算法")
    FilingFactory(algorithm=mine)
    with django_capture_on_commit_callbacks(execute=True):
        version = versions.record(approved)
    FilingFactory(algorithm=approved, status=S.APPROVED, approved_version=version)
    _file(FilingFactory(algorithm=filed), members[Role.EDITOR], django_capture_on_commit_callbacks)
    return provider, mine, approved, filed


def _data(provider: Provider, **changes_) -> dict:
    from filings.wizard_forms import ProviderForm

    form = ProviderForm(instance=provider)
    values = {
        name: ("" if form.initial.get(name) is None else form.initial.get(name))
        for name in form.fields
    }
    values.update(changes_)
    return {f"provider-{provider.pk}-{name}": value for name, value in values.items()}


def _post(client, provider, mine, htmx=True, **extra):
    url = reverse("filings:panel-save", args=[provider.workspace.slug, "provider", provider.pk])
    data = {**_data(provider, **extra.pop("values", {})), "_algorithm": mine.pk, "_step": "entity"}
    data.update(extra)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", **headers)


class TestReach:
    def test_the_reach_lists_withdrawn_approvals_and_change_due(self, trio):
        provider, mine, approved, filed = trio
        reach = entity_reach(
            kind="provider",
            obj=provider,
            data=_data(provider, legal_rep_name="王五"),
            form_prefix=f"provider-{provider.pk}",
            base=None,
            algorithm_id=mine.pk,
        )
        assert reach.fields == ["legal_rep_name"]
        assert reach.withdrawn == [approved]
        assert reach.change_due == [filed]
        assert mine not in [r.algorithm for r in reach.reached]

    def test_a_field_outside_the_change_list_withdraws_but_raises_no_change(self, trio):
        provider, mine, approved, filed = trio
        reach = entity_reach(
            kind="provider",
            obj=provider,
            data=_data(provider, security_staff_requirements="内部说明"),
            form_prefix=f"provider-{provider.pk}",
            base=None,
            algorithm_id=mine.pk,
        )
        assert reach.withdrawn == [approved] and reach.change_due == []

    def test_nothing_changed_reaches_nothing(self, trio):
        provider, mine, _approved, _filed = trio
        assert (
            entity_reach(
                kind="provider",
                obj=provider,
                data=_data(provider),
                form_prefix=f"provider-{provider.pk}",
                base=None,
                algorithm_id=mine.pk,
            )
            is None
        )


class TestAutosave:
    def test_autosave_answers_with_the_reach_instead_of_saving(self, client, trio, members):
        provider, mine, approved, filed = trio
        client.force_login(members[Role.EDITOR])
        response = _post(client, provider, mine, values={"legal_rep_name": "王五"})
        assert response.status_code == 200
        body = response.content.decode()
        assert 'class="alert alert-warning sb-reach"' in body
        assert "reaches 2 other algorithms" in body
        assert f'data-reach-withdrawn="{approved.pk}"' in body
        assert f'data-reach-change-due="{filed.pk}"' in body
        assert "data-reach-status" in body
        provider.refresh_from_db()
        assert provider.legal_rep_name == "张三"
        assert Filing.objects.get(algorithm=approved).status == S.APPROVED
        assert changes.change_status(filed) is None

    def test_confirming_saves_and_each_feed_records_it(
        self, client, trio, members, django_capture_on_commit_callbacks
    ):
        provider, mine, approved, filed = trio
        client.force_login(members[Role.EDITOR])
        body = _post(client, provider, mine, values={"legal_rep_name": "王五"}).content.decode()
        token = body.split('name="_reach" value="')[1].split('"')[0]
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(
                client, provider, mine, values={"legal_rep_name": "王五"}, _reach=token
            )
        assert response.status_code == 200
        assert 'id="reach-provider-' in response.content.decode()  # the notice is cleared
        assert "sb-reach" not in response.content.decode()
        provider.refresh_from_db()
        assert provider.legal_rep_name == "王五"
        assert Filing.objects.get(algorithm=approved).status == S.DRAFT
        assert changes.change_status(filed) is not None
        entries = Activity.objects.filter(data__event="entity_change_reach")
        assert {
            e.algorithm_id: (e.data["approval_withdrawn"], e.data["change_due"]) for e in entries
        } == {
            approved.pk: (True, False),
            filed.pk: (False, True),
        }
        assert all(e.data["fields"] == ["legal_rep_name"] for e in entries)

    def test_a_stale_confirmation_shows_the_new_reach(self, client, trio, members):
        provider, mine, _approved, _filed = trio
        client.force_login(members[Role.EDITOR])
        body = _post(client, provider, mine, values={"legal_rep_name": "王五"}).content.decode()
        token = body.split('name="_reach" value="')[1].split('"')[0]
        response = _post(client, provider, mine, values={"legal_rep_name": "赵六"}, _reach=token)
        assert "sb-reach" in response.content.decode()
        provider.refresh_from_db()
        assert provider.legal_rep_name == "张三"

    def test_nothing_else_affected_saves_at_once(self, client, workspace, members):
        provider = ProviderFactory(workspace=workspace)
        mine = AlgorithmFactory(provider=provider)
        AlgorithmFactory(provider=provider)  # a draft: no approval, nothing filed
        client.force_login(members[Role.EDITOR])
        response = _post(client, provider, mine, values={"legal_rep_name": "王五"})
        assert "sb-reach" not in response.content.decode()
        provider.refresh_from_db()
        assert provider.legal_rep_name == "王五"

    def test_without_javascript_a_page_asks_and_reposts(self, client, trio, members):
        provider, mine, _approved, _filed = trio
        client.force_login(members[Role.EDITOR])
        response = _post(client, provider, mine, htmx=False, values={"legal_rep_name": "王五"})
        assert response.status_code == 409
        body = response.content.decode()
        assert 'name="_reach"' in body and "王五" in body
        provider.refresh_from_db()
        assert provider.legal_rep_name == "张三"

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
    def test_reviewers_and_viewers_cannot_save(self, client, role, trio, members):
        provider, mine, _approved, _filed = trio
        client.force_login(members[role])
        assert _post(client, provider, mine, values={"legal_rep_name": "王五"}).status_code == 403

    def test_another_workspace_is_404(self, client, trio, member_factory):
        provider, mine, _approved, _filed = trio
        other = WorkspaceFactory()
        client.force_login(member_factory(other, Role.OWNER))
        url = reverse("filings:panel-save", args=[other.slug, "provider", provider.pk])
        assert client.post(url, _data(provider, legal_rep_name="王五")).status_code == 404
