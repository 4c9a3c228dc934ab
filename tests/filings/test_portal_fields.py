"""Issue 12 §9: fields as the portal has them — 证件地址, the region by name,
the product's launch date, 填报角色 only for generation and synthesis, the
access path as ordered steps, 证件有效期 长期."""

import copy
import datetime as dt

import pytest
from django.urls import reverse

from documents.render import render_html
from documents.services import prepare
from filings import choices
from filings.checks import run_checks
from filings.copysheet import copy_sheet
from filings.interchange import algorithm_snapshot, export_workspace, import_document
from filings.models import Provider
from filings.regions import region_display, region_name
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    ProviderFactory,
    ServiceFactory,
    WorkspaceFactory,
    complete_algorithm,
)
from workspaces.models import Role

pytestmark = pytest.mark.django_db

ADDRESS = "上海市浦东新区世纪大道100号证件地址测试"


def _rows(snapshot, code):
    """The rows printed (asked by the portal) in the sections with this code."""
    return {
        row.label_zh: row.text
        for section in copy_sheet(snapshot)
        if section.code == code
        for row in section.rows
        if row.asked
    }


class TestRegionNames:
    @pytest.mark.parametrize(
        "code, name",
        [
            ("310115", "上海市浦东新区"),
            ("110108", "北京市海淀区"),
            ("330106", "浙江省杭州市西湖区"),
            ("440305", "广东省深圳市南山区"),
            ("419001", "河南省济源市"),
            ("110000", "北京市"),
        ],
    )
    def test_a_code_has_its_full_name(self, code, name):
        assert region_name(code) == name
        assert region_display(code) == f"{name} ({code})"

    @pytest.mark.parametrize("code", ["999999", "110199", "12345", ""])
    def test_an_unknown_code_is_printed_alone(self, code):
        assert region_name(code) == ""
        assert region_display(code) == code

    def test_the_copy_sheet_and_the_form_print_the_name_with_the_code(self):
        provider = ProviderFactory(region_code="310115")
        algorithm = AlgorithmFactory(provider=provider)
        snapshot = algorithm_snapshot(algorithm)
        assert "上海市浦东新区 (310115)" in _rows(snapshot, "entity").values()
        prepared = prepare(algorithm)
        html = render_html(prepared.snapshot, "form", context=prepared.context)
        assert "上海市浦东新区 (310115)" in html
        # The snapshot (and so the digest) keeps the code alone.
        assert snapshot["providers"][0]["region_code"] == "310115"


class TestCertificateAddress:
    def test_it_is_exported_under_x_and_imported_back(self):
        provider = ProviderFactory(certificate_address=ADDRESS)
        AlgorithmFactory(provider=provider)
        document = export_workspace(provider.workspace)
        assert document["providers"][0]["x"]["certificate_address"] == ADDRESS
        target = WorkspaceFactory()
        import_document(copy.deepcopy(document), workspace=target)
        assert Provider.objects.get(workspace=target).certificate_address == ADDRESS

    def test_it_is_in_the_copy_sheet_and_the_form(self):
        provider = ProviderFactory(certificate_address=ADDRESS)
        algorithm = AlgorithmFactory(provider=provider)
        assert _rows(algorithm_snapshot(algorithm), "entity")["证件地址"] == ADDRESS
        prepared = prepare(algorithm)
        assert ADDRESS in render_html(prepared.snapshot, "form", context=prepared.context)

    def test_it_is_required_and_the_complete_algorithm_has_it(self):
        algorithm = complete_algorithm()
        pointer = "/providers/0/x/certificate_address"
        problems = run_checks(algorithm_snapshot(algorithm), algorithm=algorithm.name)
        assert pointer not in [p.pointer for p in problems]
        Provider.objects.filter(pk=algorithm.provider_id).update(certificate_address="")
        algorithm.refresh_from_db()
        problems = run_checks(algorithm_snapshot(algorithm), algorithm=algorithm.name)
        assert [(p.code, p.severity) for p in problems if p.pointer == pointer] == [
            ("required", "error")
        ]

    def test_the_wizard_asks_and_saves_it(self, client, member_factory):
        algorithm = DeploymentFactory().algorithm
        provider = algorithm.provider
        client.force_login(member_factory(provider.workspace, Role.EDITOR))
        url = reverse("filings:wizard", args=[provider.workspace.slug, algorithm.pk, "entity"])
        body = client.get(url).content.decode()
        assert f'name="provider-{provider.pk}-certificate_address"' in body
        from tests.filings.test_wizard import post_panel, provider_data

        data = provider_data(provider, certificate_address=ADDRESS)
        assert post_panel(client, "provider", provider, algorithm, **data).status_code == 302
        provider.refresh_from_db()
        assert provider.certificate_address == ADDRESS

    def test_a_viewer_cannot_change_it(self, client, member_factory):
        algorithm = DeploymentFactory().algorithm
        provider = algorithm.provider
        client.force_login(member_factory(provider.workspace, Role.VIEWER))
        from tests.filings.test_wizard import post_panel, provider_data

        data = provider_data(provider, certificate_address=ADDRESS)
        assert post_panel(client, "provider", provider, algorithm, **data).status_code in (403, 404)
        provider.refresh_from_db()
        assert provider.certificate_address != ADDRESS


class TestProductLaunchDate:
    def test_the_copy_sheet_and_the_form_show_it(self):
        service = ServiceFactory(launch_date=dt.date(2024, 11, 19))
        algorithm = AlgorithmFactory(provider=service.provider)
        DeploymentFactory(algorithm=algorithm, service=service)
        assert _rows(algorithm_snapshot(algorithm), "service")["上线时间"] == "2024-11-19"
        prepared = prepare(algorithm)
        html = render_html(prepared.snapshot, "form", context=prepared.context)
        assert "2024-11-19" in html


class TestFilingRole:
    def test_the_role_is_printed_only_for_generation_and_synthesis(self):
        push = AlgorithmFactory(type=choices.AlgorithmType.PERSONALIZED_PUSH)
        assert "填报角色" not in _rows(algorithm_snapshot(push), "basic")
        generation = AlgorithmFactory(type=choices.AlgorithmType.GENERATION_SYNTHESIS)
        assert _rows(algorithm_snapshot(generation), "basic")["填报角色"] == "服务提供者"
        prepared = prepare(push)
        assert "填报角色" not in render_html(prepared.snapshot, "form", context=prepared.context)

    def test_the_copy_sheet_page_leaves_it_out_and_the_assessment_page_still_reads_it(
        self, client, member_factory
    ):
        push = AlgorithmFactory(type=choices.AlgorithmType.PERSONALIZED_PUSH)
        client.force_login(member_factory(push.workspace, Role.VIEWER))
        args = [push.workspace.slug, push.pk]
        page = client.get(reverse("filings:copy-sheet", args=args))
        assert page.status_code == 200 and "填报角色" not in page.content.decode()
        assert client.get(reverse("assessments:page", args=args)).status_code == 200

    def test_a_supporter_of_another_type_is_still_shown_to_be_corrected(self):
        odd = AlgorithmFactory(
            type=choices.AlgorithmType.PERSONALIZED_PUSH, role=choices.Role.TECHNICAL_SUPPORTER
        )
        assert _rows(algorithm_snapshot(odd), "basic")["填报角色"] == "服务技术支持者"

    def test_the_wizard_shows_the_role_only_with_the_generation_type(self, client, member_factory):
        algorithm = AlgorithmFactory()
        client.force_login(member_factory(algorithm.workspace, Role.EDITOR))
        url = reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "basic"])
        body = client.get(url).content.decode()
        assert 'data-shown-when-field="type"' in body
        assert 'data-shown-when-value="generation_synthesis"' in body
        assert 'data-shown-default="service_provider"' in body


class TestAccessPathAndValidity:
    def test_the_access_path_prints_as_ordered_steps(self):
        deployment = DeploymentFactory(access_path=["首页", "我的", "设置", "个性化推荐"])
        rows = _rows(algorithm_snapshot(deployment.algorithm), "deployment")
        assert rows["功能访问路径"] == "首页 → 我的 → 设置 → 个性化推荐"

    def test_a_certificate_without_an_end_date_is_long_term(self):
        provider = ProviderFactory(
            certificate_type=choices.CertificateType.BUSINESS_LICENSE, certificate_valid_until=None
        )
        algorithm = AlgorithmFactory(provider=provider)
        assert _rows(algorithm_snapshot(algorithm), "entity")["证件有效期至"] == "长期"


def test_the_summary_field_counts_to_150(client, member_factory):
    algorithm = AlgorithmFactory()
    client.force_login(member_factory(algorithm.workspace, Role.EDITOR))
    url = reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "detail"])
    body = client.get(url).content.decode()
    assert f'data-counter-for="id_algorithm-detail-{algorithm.pk}-summary" data-limit="150"' in body
