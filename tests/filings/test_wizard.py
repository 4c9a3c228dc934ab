import pytest
from django.urls import reverse

from filings.models import (
    Algorithm,
    Deployment,
    Disclosure,
    PendingInput,
    Provider,
    Service,
    ThirdPartyModel,
)
from filings.wizard import STEP_CODES
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    MembershipFactory,
    ProviderFactory,
    WorkspaceFactory,
)
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def algorithm(workspace):
    deployment = DeploymentFactory(
        algorithm=AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
    )
    return deployment.algorithm


@pytest.fixture
def editor(workspace, member_factory):
    return member_factory(workspace, Role.EDITOR)


def step_url(algorithm, step="entity"):
    return reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, step])


def panel_url(kind, obj):
    return reverse("filings:panel-save", args=[obj.workspace.slug, kind, obj.pk])


def post_panel(client, kind, obj, algorithm=None, htmx=False, **fields):
    data = {f"{kind}-{obj.pk}-{name}": value for name, value in fields.items()}
    if algorithm is not None:
        data.update(_algorithm=algorithm.pk, _step="entity")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(panel_url(kind, obj), data, HTTP_ACCEPT_LANGUAGE="en", **headers)


def provider_data(provider, **changes):
    """Every field of the provider panel as currently stored, with changes: the browser posts the whole form."""
    from filings.wizard_forms import ProviderForm

    form = ProviderForm(instance=provider)
    data = {
        name: ("" if form.initial.get(name) is None else form.initial.get(name))
        for name in form.fields
    }
    data.update(changes)
    return data


class TestPages:
    @pytest.mark.parametrize("step", STEP_CODES)
    def test_every_step_renders_for_an_editor(self, client, editor, algorithm, step):
        client.force_login(editor)
        response = client.get(step_url(algorithm, step))
        assert response.status_code == 200
        assert 'aria-current="step"' in response.content.decode()

    def test_a_viewer_reads_but_cannot_edit(self, client, workspace, member_factory, algorithm):
        client.force_login(member_factory(workspace, Role.VIEWER))
        body = client.get(step_url(algorithm, "basic")).content.decode()
        assert "<fieldset disabled>" in body and "hx-post" not in body

    def test_another_workspace_is_404(self, client, algorithm):
        client.force_login(MembershipFactory(workspace=WorkspaceFactory()).user)
        assert client.get(step_url(algorithm)).status_code == 404
        provider = algorithm.provider
        assert post_panel(client, "provider", provider, name="x").status_code == 404

    def test_login_is_required(self, client, algorithm):
        assert client.get(step_url(algorithm)).status_code == 302
        assert client.post(panel_url("provider", algorithm.provider), {}).status_code == 302

    def test_an_unknown_step_or_panel_is_404(self, client, editor, algorithm):
        client.force_login(editor)
        assert client.get(step_url(algorithm, "payment")).status_code == 404
        assert client.post(panel_url("workspace", algorithm.provider), {}).status_code == 404

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
    def test_read_only_roles_may_not_save(self, client, workspace, member_factory, algorithm, role):
        client.force_login(member_factory(workspace, role))
        response = post_panel(
            client, "provider", algorithm.provider, **provider_data(algorithm.provider, name="改名")
        )
        assert response.status_code == 403
        algorithm.provider.refresh_from_db()
        assert algorithm.provider.name != "改名"

    def test_the_technical_supporter_gets_service_modes_instead_of_products(
        self, client, editor, workspace
    ):
        supporter = AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace),
            type="generation_synthesis",
            role="technical_supporter",
        )
        client.force_login(editor)
        body = client.get(
            step_url(supporter, "products"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "技术服务方式" in body and "technical_service_modes" in body


class TestAutosave:
    def test_valid_values_are_saved_and_invalid_ones_kept_pending(self, client, editor, algorithm):
        client.force_login(editor)
        provider = algorithm.provider
        data = provider_data(
            provider, name="北京新名称科技有限公司", uscc="91110108MA01ABCD1F", officer_mobile="123"
        )
        response = post_panel(client, "provider", provider, algorithm, **data)
        assert response.status_code == 302
        provider.refresh_from_db()
        assert provider.name == "北京新名称科技有限公司"
        assert provider.uscc == "91110108MA01ABCD1E"  # the invalid value never reaches the model
        pending = PendingInput.objects.get(target="provider", object_id=provider.pk)
        assert pending.data["uscc"]["value"] == "91110108MA01ABCD1F"
        assert set(pending.data) == {"uscc", "officer_mobile"}

        # The page shows what was typed, with the message beside the field.
        body = client.get(step_url(algorithm, "entity"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'value="91110108MA01ABCD1F"' in body
        assert "check character" in body

        # Correcting it stores it and clears the pending entry for that field.
        data = provider_data(provider, uscc="91110108MA01ABCD1E", officer_mobile="13800138000")
        post_panel(client, "provider", provider, algorithm, **data)
        assert not PendingInput.objects.filter(object_id=provider.pk, target="provider").exists()
        provider.refresh_from_db()
        assert provider.officer_mobile == "13800138000"

    def test_htmx_autosave_answers_with_field_feedback(self, client, editor, algorithm):
        client.force_login(editor)
        provider = algorithm.provider
        response = post_panel(
            client, "provider", provider, htmx=True, **provider_data(provider, region_code="1101")
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert f'id="fb-id_provider-{provider.pk}-region_code"' in body and "6-digit" in body
        assert 'hx-swap-oob="true"' in body

    def test_history_records_the_author(self, client, editor, algorithm):
        client.force_login(editor)
        post_panel(
            client,
            "provider",
            algorithm.provider,
            **provider_data(algorithm.provider, name="有历史的公司"),
        )
        assert algorithm.provider.history.first().history_user == editor

    def test_list_fields_are_split(self, client, editor, algorithm):
        client.force_login(editor)
        kind = "algorithm-basic"
        post_panel(
            client,
            kind,
            algorithm,
            name=algorithm.name,
            type="personalized_push",
            role="service_provider",
            application_domains="新闻门户、搜索引擎, 短视频",
        )
        algorithm.refresh_from_db()
        assert algorithm.application_domains == ["新闻门户", "搜索引擎", "短视频"]
        post_panel(
            client,
            "algorithm-detail",
            algorithm,
            output_formats=".PNG, txt",
            output_modalities=["text", "image"],
        )
        algorithm.refresh_from_db()
        assert algorithm.output_formats == ["png", "txt"] and algorithm.output_modalities == [
            "text",
            "image",
        ]
        deployment = algorithm.deployments.get()
        post_panel(
            client,
            "deployment",
            deployment,
            service=deployment.service_id,
            access_path="首页 > 我的 > 设置",
        )
        deployment.refresh_from_db()
        assert deployment.access_path == ["首页", "我的", "设置"]


class TestBadInput:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("uscc", "12345"),
            ("region_code", "abc"),
            ("officer_mobile", "23800138000"),
            ("officer_email", "not-mail"),
            ("website", "example"),
            ("mau", "-5"),
            ("certificate_valid_until", "2026-02-30"),
            ("entity_type", "person"),
        ],
    )
    def test_provider_fields(self, client, editor, algorithm, field, value):
        client.force_login(editor)
        provider = algorithm.provider
        before = getattr(provider, field)
        post_panel(client, "provider", provider, **provider_data(provider, **{field: value}))
        provider.refresh_from_db()
        assert getattr(provider, field) == before
        assert (
            PendingInput.objects.get(object_id=provider.pk, target="provider").data[field]["value"]
            == value
        )

    def test_an_id_number_checked_against_its_type(self, client, editor, algorithm):
        client.force_login(editor)
        provider = algorithm.provider
        data = provider_data(
            provider, legal_rep_id_type="resident_id", legal_rep_id_number="110105194912310021"
        )
        post_panel(client, "provider", provider, **data)
        pending = PendingInput.objects.get(object_id=provider.pk, target="provider").data
        assert "legal_rep_id_number" in pending
        provider.refresh_from_db()
        assert provider.legal_rep_id_type == "resident_id" and provider.legal_rep_id_number == ""

    def test_service_dau_above_mau(self, client, editor, algorithm):
        client.force_login(editor)
        service = algorithm.deployments.get().service
        post_panel(client, "service", service, name=service.name, dau="20", mau="10")
        service.refresh_from_db()
        assert service.mau == 10 and service.dau is None
        assert "dau" in PendingInput.objects.get(target="service", object_id=service.pk).data

    def test_function_description_over_500(self, client, editor, algorithm):
        client.force_login(editor)
        deployment = algorithm.deployments.get()
        post_panel(
            client,
            "deployment",
            deployment,
            service=deployment.service_id,
            function_description="字" * 501,
        )
        deployment.refresh_from_db()
        assert deployment.function_description == ""
        assert (
            PendingInput.objects.get(target="deployment").data["function_description"]["value"]
            == "字" * 501
        )

    def test_a_deployment_cannot_use_another_providers_service(
        self, client, editor, algorithm, workspace
    ):
        client.force_login(editor)
        deployment = algorithm.deployments.get()
        foreign = Service.objects.create(
            workspace=workspace, provider=ProviderFactory(workspace=workspace), name="别家"
        )
        post_panel(client, "deployment", deployment, service=foreign.pk)
        deployment.refresh_from_db()
        assert deployment.service_id != foreign.pk

    def test_third_party_filing_number(self, client, editor, algorithm):
        client.force_login(editor)
        model = ThirdPartyModel.objects.create(workspace=algorithm.workspace, algorithm=algorithm)
        post_panel(client, "third-party-model", model, name="模型", filing_number="网信算备123号")
        model.refresh_from_db()
        assert model.name == "模型" and model.filing_number == ""

    def test_algorithm_choices_and_dates(self, client, editor, algorithm):
        client.force_login(editor)
        post_panel(
            client,
            "algorithm-basic",
            algorithm,
            name=algorithm.name,
            type="magic",
            launch_date="2026-13-01",
        )
        algorithm.refresh_from_db()
        assert algorithm.type == "personalized_push" and algorithm.launch_date is None
        post_panel(client, "algorithm-detail", algorithm, input_modalities=["smell"])
        assert "input_modalities" in PendingInput.objects.get(target="algorithm-detail").data

    def test_a_duplicate_algorithm_name_is_refused(self, client, editor, algorithm):
        other = AlgorithmFactory(provider=algorithm.provider)
        client.force_login(editor)
        post_panel(client, "algorithm-basic", algorithm, name=other.name, role="service_provider")
        algorithm.refresh_from_db()
        assert algorithm.name != other.name


class TestRows:
    def test_add_and_remove_a_third_party_model(self, client, editor, algorithm):
        client.force_login(editor)
        slug = algorithm.workspace.slug
        client.post(reverse("filings:row-add", args=[slug, algorithm.pk, "third-party-model"]))
        model = ThirdPartyModel.objects.get(algorithm=algorithm)
        client.post(
            reverse("filings:row-delete", args=[slug, algorithm.pk, "third-party-model", model.pk])
        )
        assert not ThirdPartyModel.objects.filter(pk=model.pk).exists()
        assert model.history.filter(history_type="-").exists()

    def test_a_function_is_added_to_a_chosen_service_of_the_provider(
        self, client, editor, algorithm, workspace
    ):
        client.force_login(editor)
        url = reverse("filings:row-add", args=[workspace.slug, algorithm.pk, "deployment"])
        foreign = Service.objects.create(
            workspace=workspace, provider=ProviderFactory(workspace=workspace)
        )
        client.post(url, {"service": foreign.pk})
        assert algorithm.deployments.count() == 1
        client.post(url, {"service": algorithm.deployments.get().service_id})
        assert algorithm.deployments.count() == 2

    def test_a_new_product_comes_with_a_function(self, client, editor, algorithm, workspace):
        client.force_login(editor)
        client.post(reverse("filings:row-add", args=[workspace.slug, algorithm.pk, "service"]))
        assert Service.objects.filter(provider=algorithm.provider).count() == 2
        assert algorithm.deployments.count() == 2

    def test_rows_of_another_algorithm_cannot_be_removed_here(
        self, client, editor, algorithm, workspace
    ):
        other = DeploymentFactory(algorithm=AlgorithmFactory(provider=algorithm.provider))
        client.force_login(editor)
        url = reverse(
            "filings:row-delete", args=[workspace.slug, algorithm.pk, "deployment", other.pk]
        )
        assert client.post(url).status_code == 404
        assert Deployment.objects.filter(pk=other.pk).exists()

    def test_viewers_cannot_add_rows(self, client, workspace, member_factory, algorithm):
        client.force_login(member_factory(workspace, Role.VIEWER))
        url = reverse("filings:row-add", args=[workspace.slug, algorithm.pk, "third-party-model"])
        assert client.post(url).status_code == 403


def test_the_disclosure_is_created_by_its_first_save_not_by_reading(client, editor, algorithm):
    client.force_login(editor)
    body = client.get(step_url(algorithm, "disclosure")).content.decode()
    assert not Disclosure.objects.filter(algorithm=algorithm).exists()
    url = reverse(
        "filings:panel-save-new", args=[algorithm.workspace.slug, algorithm.pk, "disclosure", "new"]
    )
    assert f'hx-post="{url}"' in body and 'data-panel="disclosure-new-new"' in body
    for text in ("应用于", "应用于新闻推荐场景"):
        response = client.post(url, {"disclosure-new-new-purpose": text}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    assert Disclosure.objects.get(algorithm=algorithm).purpose == "应用于新闻推荐场景"
    disclosure = Disclosure.objects.get(algorithm=algorithm)
    body = client.get(step_url(algorithm, "disclosure")).content.decode()
    assert f'data-panel="disclosure-{disclosure.pk}"' in body


def test_an_unsaved_disclosure_shows_its_problems_beside_its_fields(client, editor, algorithm):
    client.force_login(editor)
    url = reverse(
        "filings:wizard-checks", args=[algorithm.workspace.slug, algorithm.pk, "disclosure"]
    )
    body = client.get(url).content.decode()
    assert not Disclosure.objects.filter(algorithm=algorithm).exists()
    beside = body.split('id="ck-id_disclosure-new-new-purpose"', 1)[1].split("</div>\n", 1)[0]
    assert "data-check=" in beside
    loose = body.split('id="loose-problems"', 1)[1].split("<div id=", 1)[0]
    assert "/disclosure" not in loose and 'data-check="required"' not in loose


def test_a_viewer_may_not_create_the_disclosure(client, workspace, member_factory, algorithm):
    client.force_login(member_factory(workspace, Role.VIEWER))
    url = reverse(
        "filings:panel-save-new", args=[workspace.slug, algorithm.pk, "disclosure", "new"]
    )
    assert client.post(url, {"disclosure-new-new-purpose": "x"}).status_code == 403
    assert not Disclosure.objects.filter(algorithm=algorithm).exists()


def test_only_the_lazy_kinds_are_created_by_a_save(client, editor, algorithm):
    client.force_login(editor)
    slug = algorithm.workspace.slug
    for kind, key in (("provider", "new"), ("filing", "new"), ("answer", "no-such-item")):
        url = reverse("filings:panel-save-new", args=[slug, algorithm.pk, kind, key])
        assert client.post(url, {}).status_code == 404


def test_the_review_step_links_problems_to_their_fields(client, editor, algorithm):
    client.force_login(editor)
    body = client.get(step_url(algorithm, "review"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-check="required"' in body
    assert f"/edit/entity/#id_provider-{algorithm.provider.pk}-legal_rep_name" in body


def test_the_demo_algorithm_reports_no_errors(client):
    from demo.workspace import load_demo

    ws = load_demo()
    client.force_login(ws.memberships.get(role="owner").user)
    algorithm = Algorithm.objects.get(workspace=ws, name="示例新闻个性化推荐算法")
    body = client.get(step_url(algorithm, "review"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-severity="error"' not in body, body[
        body.find("check-results") : body.find("check-results") + 3000
    ]
    assert Provider.objects.filter(workspace=ws).count() == 1


class TestChecksFragment:
    def url(self, algorithm, step="entity"):
        return reverse("filings:wizard-checks", args=[algorithm.workspace.slug, algorithm.pk, step])

    def test_it_puts_each_problem_beside_its_field_and_updates_the_badges(
        self, client, editor, algorithm
    ):
        client.force_login(editor)
        body = client.get(self.url(algorithm), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        field_id = f"ck-id_provider-{algorithm.provider.pk}-legal_rep_name"
        start = body.index(f'id="{field_id}"')
        assert 'data-check="required"' in body[start : body.index("</div>", start + 200) + 6]
        assert 'id="badge-entity" hx-swap-oob="true"' in body and "text-bg-danger" in body

    def test_it_refreshes_the_sidebar_progress(self, client, editor, algorithm):
        client.force_login(editor)
        body = client.get(self.url(algorithm), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<div id="wizard-progress" class="mt-2" hx-swap-oob="true">' in body
        before = int(body.split('data-completeness="', 1)[1].split('"', 1)[0])
        assert 0 <= before < 100
        provider = algorithm.provider
        provider.legal_rep_name = "王五"
        provider.save()
        body = client.get(self.url(algorithm), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert int(body.split('data-completeness="', 1)[1].split('"', 1)[0]) > before

    def test_the_step_page_loads_it_after_rendering(self, client, editor, algorithm):
        client.force_login(editor)
        body = client.get(step_url(algorithm, "entity")).content.decode()
        assert f'hx-get="{self.url(algorithm)}"' in body
        assert 'data-check="required"' not in body

    def test_it_is_scoped(self, client, algorithm):
        assert client.get(self.url(algorithm)).status_code == 302
        client.force_login(MembershipFactory(workspace=WorkspaceFactory()).user)
        assert client.get(self.url(algorithm)).status_code == 404

    def test_an_unknown_step_is_404(self, client, editor, algorithm):
        client.force_login(editor)
        assert client.get(self.url(algorithm, "nope")).status_code == 404

    def test_autosave_asks_the_page_to_recheck(self, client, editor, algorithm):
        client.force_login(editor)
        response = post_panel(
            client, "provider", algorithm.provider, htmx=True, **provider_data(algorithm.provider)
        )
        assert response["HX-Trigger"] == "suanbei:saved"


class TestThirdPartyRegistry:
    def test_a_listed_number_shows_its_vendor_and_algorithm_and_an_absent_one_warns(
        self, client, editor, algorithm, tmp_path
    ):
        from registry.importer import import_registry
        from tests.registry.csvs import listing, number, write_csv

        path = write_csv(
            tmp_path / "list.csv", [listing(7, batch="2026年5月", announcementDate="2026-05")]
        )
        import_registry(path)
        listed = ThirdPartyModel.objects.create(
            workspace=algorithm.workspace, algorithm=algorithm, name="示例模型", vendor="北京示例7科技有限公司",
            filing_number=number(7), position=0,
        )  # fmt: skip
        absent = ThirdPartyModel.objects.create(
            workspace=algorithm.workspace, algorithm=algorithm, name="另一模型", vendor="别家",
            filing_number=number(8), position=1,
        )  # fmt: skip
        client.force_login(editor)
        url = reverse(
            "filings:wizard-checks", args=[algorithm.workspace.slug, algorithm.pk, "detail"]
        )
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        listed_box = body[body.index(f'id="ck-id_third-party-model-{listed.pk}-filing_number"') :]
        assert "示例个性化推荐算法7" in listed_box.split("</div>\n")[0] + listed_box[:600]
        absent_box = body[body.index(f'id="ck-id_third-party-model-{absent.pk}-filing_number"') :][
            :800
        ]
        assert 'data-check="third_party_not_listed"' in absent_box and "2026年5月" in absent_box
