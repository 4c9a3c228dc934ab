"""Personal data: ID and mobile numbers masked by role, full views recorded."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from filings import pii
from filings.wizard_forms import ProviderForm
from tests.factories import AlgorithmFactory, ProviderFactory
from tests.workspaces.conftest import ROLES
from workspaces.models import AuditLog, Membership, Role
from workspaces.scoping import Access

pytestmark = pytest.mark.django_db

LEGAL_REP_ID = "11010519491231002X"
OFFICER_ID = "110108199003071238"
MOBILE = "13912345678"
FULL = (LEGAL_REP_ID, OFFICER_ID, MOBILE)
MASKED = ("110***********002X", "110***********1238", "139****5678")
FIELDS = ["legal_rep_id_number", "officer_id_number", "officer_mobile"]


@pytest.fixture
def provider(team):
    return ProviderFactory(
        workspace=team["workspace"],
        legal_rep_id_type="resident_id",
        legal_rep_id_number=LEGAL_REP_ID,
        officer_id_type="resident_id",
        officer_id_number=OFFICER_ID,
        officer_mobile=MOBILE,
    )


def _access(team, role) -> Access:
    membership = Membership.objects.get(workspace=team["workspace"], user=team[role])
    return Access(workspace=team["workspace"], membership=membership)


class TestMasks:
    @pytest.mark.parametrize(
        ("number", "masked"),
        [
            (LEGAL_REP_ID, "110***********002X"),
            ("110105491231002", "110********1002"),  # the old 15-digit card
            ("E12345678", "*******78"),  # a passport: too short to keep 3 + 4
            ("12", "**"),
            ("", ""),
            (None, ""),
        ],
    )
    def test_id_numbers(self, number, masked):
        assert pii.mask_id(number) == masked

    @pytest.mark.parametrize(
        ("number", "masked"), [("13800138000", "138****8000"), ("12345", "***45"), ("", "")]
    )
    def test_mobile_numbers(self, number, masked):
        assert pii.mask_mobile(number) == masked

    def test_the_list_filters_always_mask(self):
        template = Template("{% load pii %}{{ a|id_number }} {{ b|mobile }}")
        assert template.render(Context({"a": LEGAL_REP_ID, "b": MOBILE})) == (
            "110***********002X 139****5678"
        )


class TestTheProviderPage:
    def get(self, client, team, provider, role):
        client.force_login(team[role])
        response = client.get(reverse("filings:provider", args=["team", provider.pk]))
        assert response.status_code == 200
        return response.content.decode()

    @pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR])
    def test_owners_and_editors_see_the_numbers_and_it_is_recorded(
        self, client, team, provider, role
    ):
        body = self.get(client, team, provider, role)
        assert all(number in body for number in FULL)
        assert "hx-post" not in body
        [entry] = AuditLog.objects.all()
        assert entry.user == team[role] and entry.username == str(role)
        assert entry.workspace == team["workspace"]
        assert entry.action == AuditLog.Action.VIEW_PERSONAL_DATA
        assert (entry.object_type, entry.object_id) == ("provider", provider.pk)
        assert entry.fields == FIELDS
        assert entry.path == reverse("filings:provider", args=["team", provider.pk])
        assert entry.ip == "127.0.0.1"

    def test_each_page_view_is_one_entry(self, client, team, provider):
        self.get(client, team, provider, Role.EDITOR)
        self.get(client, team, provider, Role.EDITOR)
        assert AuditLog.objects.count() == 2

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
    def test_reviewers_and_viewers_see_masks_and_nothing_is_recorded(
        self, client, team, provider, role
    ):
        body = self.get(client, team, provider, role)
        assert not any(number in body for number in FULL)
        assert all(masked in body for masked in MASKED)
        assert not AuditLog.objects.exists()

    def test_reviewers_may_ask_to_see_each_number(self, client, team, provider):
        body = self.get(client, team, provider, Role.REVIEWER)
        for field in FIELDS:
            assert (
                f'hx-post="{reverse("filings:pii-reveal", args=["team", provider.pk, field])}"'
                in body
            )

    def test_viewers_may_not(self, client, team, provider):
        body = self.get(client, team, provider, Role.VIEWER)
        assert "hx-post" not in body and "/reveal/" not in body

    def test_empty_numbers_show_a_dash_and_record_nothing(self, client, team):
        empty = ProviderFactory(workspace=team["workspace"])
        body = self.get(client, team, empty, Role.EDITOR)
        assert 'data-personal="officer_mobile">—</dd>' in body
        assert not AuditLog.objects.exists()


class TestTheCopySheet:
    def get(self, client, team, provider, role):
        algorithm = AlgorithmFactory(provider=provider)
        client.force_login(team[role])
        response = client.get(reverse("filings:copy-sheet", args=["team", algorithm.pk]))
        assert response.status_code == 200
        return response.content.decode()

    @staticmethod
    def personal_rows(body) -> list[str]:
        rows = body.split("<tr>")[1:]
        return [row for row in rows if "data-personal" in row]

    @pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR])
    def test_owners_and_editors_copy_the_full_numbers_and_it_is_recorded(
        self, client, team, provider, role
    ):
        body = self.get(client, team, provider, role)
        rows = self.personal_rows(body)
        assert len(rows) == 3
        for row, number in zip(rows, FULL, strict=True):
            assert f'class="sb-copy-value">{number}</span>' in row
            assert "disabled" not in row
        [entry] = AuditLog.objects.all()
        assert entry.fields == FIELDS and entry.object_id == provider.pk
        assert "/copy-sheet/" in entry.path

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
    def test_others_see_masks_and_cannot_copy_them(self, client, team, provider, role):
        body = self.get(client, team, provider, role)
        assert not any(number in body for number in FULL)
        rows = self.personal_rows(body)
        for row, masked in zip(rows, MASKED, strict=True):
            assert masked in row and "disabled" in row
        assert ("hx-post" in body) is (role == Role.REVIEWER)
        # The other rows are copied as before.
        assert body.count("data-copy-target") > body.count("disabled")
        assert not AuditLog.objects.exists()

    def test_the_lengths_stay_those_of_the_numbers(self, client, team, provider):
        body = self.get(client, team, provider, Role.VIEWER)
        assert 'data-length="18"' in self.personal_rows(body)[0]


class TestRevealing:
    def url(self, provider, field="officer_mobile", slug="team"):
        return reverse("filings:pii-reveal", args=[slug, provider.pk, field])

    @pytest.mark.parametrize("role", ROLES)
    def test_all_but_viewers_may_and_it_is_recorded(self, client, team, provider, role):
        client.force_login(team[role])
        response = client.post(self.url(provider), HTTP_HX_REQUEST="true")
        if role == Role.VIEWER:
            assert response.status_code == 403
            assert MOBILE not in response.content.decode()
            assert not AuditLog.objects.exists()
            return
        assert response.status_code == 200
        assert response.content.decode() == f'<span class="sb-pd" data-revealed>{MOBILE}</span>'
        assert "no-store" in response["Cache-Control"]
        [entry] = AuditLog.objects.all()
        assert entry.user == team[role] and entry.fields == ["officer_mobile"]
        assert entry.path == self.url(provider) and entry.object_id == provider.pk

    def test_without_htmx_it_is_a_page(self, client, team, provider):
        client.force_login(team[Role.REVIEWER])
        body = client.post(self.url(provider, "legal_rep_id_number")).content.decode()
        assert LEGAL_REP_ID in body and "<html" in body

    def test_only_the_personal_fields(self, client, team, provider):
        client.force_login(team[Role.REVIEWER])
        assert client.post(self.url(provider, "officer_email")).status_code == 404
        assert client.post(self.url(provider, "name")).status_code == 404

    def test_another_workspace_is_404(self, client, team, provider):
        theirs = ProviderFactory(workspace=team["other"], officer_mobile=MOBILE)
        client.force_login(team[Role.REVIEWER])
        assert client.post(self.url(theirs)).status_code == 404
        assert client.post(self.url(theirs, slug="other")).status_code == 404
        client.force_login(team["outsider"])
        assert client.post(self.url(provider)).status_code == 404
        assert not AuditLog.objects.exists()

    def test_it_needs_post_and_login(self, client, team, provider):
        assert client.post(self.url(provider)).status_code == 302
        client.force_login(team[Role.REVIEWER])
        assert client.get(self.url(provider)).status_code == 405
        assert not AuditLog.objects.exists()

    def test_an_empty_number_records_nothing(self, client, team):
        empty = ProviderFactory(workspace=team["workspace"])
        client.force_login(team[Role.REVIEWER])
        assert client.post(self.url(empty), HTTP_HX_REQUEST="true").status_code == 200
        assert not AuditLog.objects.exists()


class TestTheWizardHelper:
    """pii.mask_form_initial: what the wizard's entity step calls on its provider form."""

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
    def test_the_form_carries_only_masks(self, team, provider, role):
        form = pii.mask_form_initial(ProviderForm(instance=provider), _access(team, role))
        html = str(form)
        assert not any(number in html for number in FULL)
        assert [form[name].value() for name in FIELDS] == list(MASKED)
        assert form["name"].value() == provider.name

    @pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR])
    def test_owners_and_editors_get_the_numbers_recorded(self, team, provider, role):
        request = RequestFactory().get("/w/team/algorithms/1/edit/entity/")
        request.user = team[role]
        form = pii.mask_form_initial(
            ProviderForm(instance=provider), _access(team, role), request=request
        )
        assert [form[name].value() for name in FIELDS] == list(FULL)
        [entry] = AuditLog.objects.all()
        assert entry.fields == FIELDS and entry.path == "/w/team/algorithms/1/edit/entity/"

    def test_pending_input_is_masked_too(self, team, provider):
        form = ProviderForm(instance=provider, initial={"officer_mobile": "1390000111"})
        pii.mask_form_initial(form, _access(team, Role.VIEWER))
        assert form["officer_mobile"].value() == "139***0111"

    def test_forms_without_personal_fields_are_left_alone(self, team):
        from filings.wizard_forms import DisclosureForm

        form = DisclosureForm()
        assert pii.mask_form_initial(form, _access(team, Role.VIEWER)) is form


def test_the_wizard_does_not_send_viewers_the_numbers(client, team, provider):
    algorithm = AlgorithmFactory(provider=provider)
    client.force_login(team[Role.VIEWER])
    url = reverse("filings:wizard", args=["team", algorithm.pk, "entity"])
    body = client.get(url).content.decode()
    assert not any(number in body for number in FULL)
