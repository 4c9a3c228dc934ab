"""Second factor (allauth MFA, TOTP): signing in with it, and the workspace
setting that requires it of every member."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from demo.workspace import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from filings.models import Activity
from tests.factories import PASSWORD, UserFactory
from tests.workspaces.conftest import ROLES
from workspaces.models import Role, Workspace

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SETTING = reverse("require-mfa", args=["team"])
DASHBOARD = reverse("filings:dashboard", args=["team"])


def give_totp(user) -> str:
    """Set up an authenticator app for `user`; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def require(team, on=True):
    Workspace.objects.filter(pk=team["workspace"].pk).update(require_mfa=on)


class TestTheSetting:
    def test_an_owner_with_a_second_factor_switches_it_on_and_off(self, client, team):
        owner = team[Role.OWNER]
        give_totp(owner)
        client.force_login(owner)
        response = client.post(SETTING, {"require_mfa": "on"}, follow=True, **EN)
        assert "now required of every member" in response.content.decode()
        assert Workspace.objects.get(slug="team").require_mfa is True
        activity = Activity.objects.get(verb=Activity.Verb.OTHER)
        assert activity.actor == owner and activity.data == {"event": "require_mfa", "on": True}
        feed = client.get(reverse("reviews:activity", args=["team"]), **EN).content.decode()
        assert "required two-factor authentication of every member" in feed
        client.post(SETTING, {"require_mfa": "off"})
        assert Workspace.objects.get(slug="team").require_mfa is False

    def test_an_owner_without_one_is_told_to_set_up_her_own_first(self, client, team):
        client.force_login(team[Role.OWNER])
        response = client.post(SETTING, {"require_mfa": "on"}, follow=True, **EN)
        assert "for your own account first" in response.content.decode()
        assert Workspace.objects.get(slug="team").require_mfa is False
        assert not Activity.objects.exists()

    @pytest.mark.parametrize("role", [r for r in ROLES if r != Role.OWNER])
    def test_only_owners_may(self, client, team, role):
        give_totp(team[role])
        client.force_login(team[role])
        assert client.post(SETTING, {"require_mfa": "on"}).status_code == 403
        assert Workspace.objects.get(slug="team").require_mfa is False

    def test_another_workspace_is_404_and_a_login_is_required(self, client, team):
        assert client.post(SETTING, {"require_mfa": "on"})["Location"].startswith(
            reverse("account_login")
        )
        give_totp(team["outsider"])
        client.force_login(team["outsider"])
        assert client.post(SETTING, {"require_mfa": "on"}).status_code == 404
        assert Workspace.objects.get(slug="team").require_mfa is False

    @pytest.mark.parametrize("value", ["", "maybe", "ON"])
    def test_a_bad_value_changes_nothing(self, client, team, value):
        give_totp(team[Role.OWNER])
        client.force_login(team[Role.OWNER])
        response = client.post(SETTING, {"require_mfa": value}, follow=True, **EN)
        assert "Choose on or off." in response.content.decode()
        assert Workspace.objects.get(slug="team").require_mfa is False

    def test_it_needs_a_post(self, client, team):
        client.force_login(team[Role.OWNER])
        assert client.get(SETTING).status_code == 405

    def test_the_members_page_shows_who_has_a_second_factor(self, client, team):
        give_totp(team[Role.EDITOR])
        client.force_login(team[Role.OWNER])
        page = client.get(reverse("members", args=["team"]), **EN)
        assert page.context["with_mfa"] == {team[Role.EDITOR].pk}
        assert 'data-testid="require-mfa-form"' in page.content.decode()
        client.force_login(team[Role.EDITOR])
        page = client.get(reverse("members", args=["team"]), **EN)
        assert 'data-testid="require-mfa-form"' not in page.content.decode()


class TestRequired:
    def test_a_member_without_a_second_factor_is_sent_to_set_one_up(self, client, team):
        require(team)
        client.force_login(team[Role.EDITOR])
        for url in (DASHBOARD, reverse("members", args=["team"])):
            response = client.get(url, **EN)
            assert response["Location"] == reverse("mfa_index")
        page = client.get(reverse("mfa_index"), **EN)
        assert "requires two-factor authentication" in page.content.decode()

    def test_htmx_requests_are_sent_there_too(self, client, team):
        require(team)
        client.force_login(team[Role.EDITOR])
        response = client.get(DASHBOARD, headers={"HX-Request": "true"})
        assert response["HX-Redirect"] == reverse("mfa_index")

    def test_a_member_with_one_goes_in(self, client, team):
        require(team)
        give_totp(team[Role.VIEWER])
        client.force_login(team[Role.VIEWER])
        assert client.get(DASHBOARD).status_code == 200

    def test_recovery_codes_alone_are_not_a_second_factor(self, client, team):
        require(team)
        RecoveryCodes.activate(team[Role.VIEWER])
        client.force_login(team[Role.VIEWER])
        assert client.get(DASHBOARD)["Location"] == reverse("mfa_index")

    def test_other_workspaces_are_unaffected(self, client, team):
        require(team)
        client.force_login(team["outsider"])
        assert client.get(reverse("filings:dashboard", args=["other"])).status_code == 200
        # ... and a workspace one is not a member of stays a 404, not a hint.
        assert client.get(DASHBOARD).status_code == 404

    def test_the_demo_does_not_require_it(self, client):
        load_demo()
        assert Workspace.objects.get(slug="demo").require_mfa is False
        response = client.post(
            reverse("account_login"), {"login": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )
        assert response["Location"] == reverse("home")
        assert client.get(reverse("filings:dashboard", args=["demo"])).status_code == 200


class TestSigningIn:
    def login(self, client, username="li"):
        return client.post(
            reverse("account_login"), {"login": username, "password": PASSWORD}, **EN
        )

    def test_the_password_alone_is_not_enough(self, client):
        user = UserFactory(username="li")
        secret = give_totp(user)
        response = self.login(client)
        assert response["Location"] == reverse("mfa_authenticate")
        assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
        wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"}, **EN)
        assert wrong.status_code == 200 and wrong.context["form"].errors
        done = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
        assert done["Location"] == reverse("home")
        assert client.get(reverse("home")).wsgi_request.user == user

    def test_a_recovery_code_works_once(self, client):
        user = UserFactory(username="li")
        give_totp(user)
        codes = RecoveryCodes.activate(user).get_unused_codes()
        self.login(client)
        assert client.post(reverse("mfa_authenticate"), {"code": codes[0]})["Location"] == (
            reverse("home")
        )
        client.post(reverse("account_logout"))
        self.login(client)
        again = client.post(reverse("mfa_authenticate"), {"code": codes[0]}, **EN)
        assert again.status_code == 200 and again.context["form"].errors

    def test_setting_it_up_needs_a_login(self, client):
        assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
            reverse("account_login")
        )
        assert Authenticator.objects.count() == 0
