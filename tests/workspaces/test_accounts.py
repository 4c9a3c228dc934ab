"""Accounts (django-allauth): sign-up with a confirmed address, sign-in by
username or email, throttling, no enumeration, password reset, sessions."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "s3cure-Pass-2026"
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
RESET = reverse("account_reset_password")


def signup(client, email="wang@example.cn", password=NEW_PASSWORD, **extra):
    data = {"email": email, "password1": password, "password2": password}
    return client.post(SIGNUP, {**data, **extra}, **EN)


def login(client, login_name="li", password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": login_name, "password": password, **extra}, **EN)


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in the email that starts with `path_prefix`."""
    match = re.search(rf"https?://testserver({re.escape(path_prefix)}\S*)", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(1)


def signed_in(client) -> bool:
    return client.get(reverse("home")).wsgi_request.user.is_authenticated


# ---------------------------------------------------------------------------
# Sign-up: nothing is reachable before the address is confirmed.
# ---------------------------------------------------------------------------


class TestSignup:
    def test_it_asks_to_confirm_the_address_and_signs_nobody_in(self, client):
        response = signup(client)
        assert response["Location"] == reverse("account_email_verification_sent")
        user = get_user_model().objects.get(email="wang@example.cn")
        assert user.username == "wang"  # made from the address: sign-up reveals no username
        assert not EmailAddress.objects.get(user=user).verified
        assert not signed_in(client)
        [message] = mail.outbox
        assert message.to == ["wang@example.cn"]
        assert message.subject.startswith("[Suanbei] ")
        assert "/accounts/confirm-email/" in message.body

    def test_no_workspace_is_reachable_before_the_confirmation(self, client):
        owner_of = WorkspaceFactory(slug="mine")
        signup(client)
        user = get_user_model().objects.get(email="wang@example.cn")
        Membership.objects.create(workspace=owner_of, user=user, role=Role.OWNER)
        # The right password does not sign in: the confirmation page again, no session.
        response = login(client, "wang@example.cn", NEW_PASSWORD)
        assert response["Location"] == reverse("account_email_verification_sent")
        for url in (reverse("home"), reverse("filings:dashboard", args=["mine"])):
            assert client.get(url)["Location"].startswith(LOGIN)
        assert (
            client.post(reverse("workspace-create"), {"name": "x", "slug": "x"}).status_code == 302
        )
        assert not Workspace.objects.filter(slug="x").exists()

    def test_confirming_signs_in_and_a_workspace_can_be_created(self, client):
        signup(client)
        confirm = link_in(mail.outbox[0], "/accounts/confirm-email/")
        # Opening the link shows a button: a GET confirms nothing.
        assert client.get(confirm, **EN).status_code == 200
        assert not EmailAddress.objects.get(email="wang@example.cn").verified
        response = client.post(confirm, **EN)
        assert EmailAddress.objects.get(email="wang@example.cn").verified
        assert response["Location"] == reverse("home")
        home = client.get(reverse("home"), **EN)
        assert home.status_code == 200 and "wang" == home.wsgi_request.user.username
        created = client.post(reverse("workspace-create"), {"name": "合规组", "slug": "compliance"})
        assert created["Location"] == reverse("filings:dashboard", args=["compliance"])
        assert Membership.objects.get(workspace__slug="compliance").user.username == "wang"

    def test_a_confirmation_link_opened_in_another_browser_confirms_but_does_not_sign_in(
        self, client
    ):
        signup(client)
        other = Client()
        other.post(link_in(mail.outbox[0], "/accounts/confirm-email/"))
        assert EmailAddress.objects.get(email="wang@example.cn").verified
        assert not signed_in(other)
        assert login(other, "wang@example.cn", NEW_PASSWORD)["Location"] == reverse("home")

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"email": "wang@example.cn", "password2": "other-Pass-2026"}, "password2"),
            ({"email": "not-an-email"}, "email"),
            ({"email": "wang@example.cn", "password1": "123", "password2": "123"}, "password1"),
            ({"email": ""}, "email"),
        ],
    )
    def test_bad_input_is_shown_beside_the_field_and_kept(self, client, data, field):
        fields = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **data}
        response = client.post(SIGNUP, fields, **EN)
        assert response.status_code == 200
        form = response.context["form"]
        assert field in form.errors
        assert form.data["email"] == data["email"]
        assert f'value="{data["email"]}"' in response.content.decode() or not data["email"]
        assert not get_user_model().objects.exists()

    @pytest.mark.parametrize("email", ["li@example.cn", "LI@Example.CN"])
    def test_a_taken_address_answers_as_a_new_one_and_makes_no_account(self, client, email):
        UserFactory(username="li", email="li@example.cn")
        fresh = signup(client, email="fresh@example.cn")
        mail.outbox.clear()
        taken = signup(client, email=email)
        # The same answer: a stranger cannot tell which addresses have an account.
        assert taken.status_code == fresh.status_code == 302
        assert taken["Location"] == fresh["Location"]
        assert get_user_model().objects.filter(email__iexact="li@example.cn").count() == 1
        assert EmailAddress.objects.filter(email__iexact="li@example.cn").count() == 1
        # The owner of the mailbox is told, with the way back in.
        [message] = mail.outbox
        assert [to.lower() for to in message.to] == ["li@example.cn"]
        assert "already exists" in message.body and RESET in message.body


# ---------------------------------------------------------------------------
# Sign-in
# ---------------------------------------------------------------------------


class TestLogin:
    @pytest.mark.parametrize("login_name", ["li", "li@example.cn", "LI@EXAMPLE.CN"])
    def test_by_username_or_email(self, client, login_name):
        user = UserFactory(username="li")
        response = login(client, login_name)
        assert response["Location"] == reverse("home")
        assert client.get(reverse("home")).wsgi_request.user == user

    @pytest.mark.parametrize(
        ("language", "label"), [("en", "Username or email"), ("zh-hans", "用户名或邮箱")]
    )
    def test_the_first_field_says_what_it_takes(self, client, language, label):
        # allauth's own label "Login" reads as the verb 登录 in Chinese.
        body = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        field = re.search(r'<label\s+for="id_login"[^>]*>(.*?)</label>', body, re.S)
        assert field and field.group(1).strip().startswith(label)
        assert f'placeholder="{label}"' in body

    def test_logout_needs_a_post(self, client):
        UserFactory(username="li")
        login(client)
        assert client.get(reverse("account_logout")).status_code == 200
        assert signed_in(client)
        client.post(reverse("account_logout"))
        assert not signed_in(client)

    def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(self, client):
        UserFactory(username="li")
        wrong = login(client, "li", "wrong")
        unknown = login(client, "nobody", "wrong")
        assert wrong.status_code == unknown.status_code == 200
        assert wrong.context["form"].errors == unknown.context["form"].errors
        assert wrong.context["form"].data["login"] == "li"  # kept in the form

    def test_the_former_addresses_still_lead_to_the_same_pages(self, client):
        # The hand-written views lived at the same paths as allauth's.
        assert LOGIN == "/accounts/login/" and SIGNUP == "/accounts/signup/"
        page = client.get("/accounts/login/?next=/w/x/", **EN)
        assert page.status_code == 200 and 'value="/w/x/"' in page.content.decode()
        UserFactory(username="li")
        response = login(client, next="/registry/")
        assert response["Location"] == "/registry/"

    def test_an_outside_next_is_ignored(self, client):
        UserFactory(username="li")
        assert login(client, next="https://evil.example.com/")["Location"] == reverse("home")

    def test_allauths_own_chinese_is_used(self, client):
        page = client.get(LOGIN).content.decode()  # zh-hans, the default
        assert "记住我" in page and "忘记密码" in page  # allauth's catalogue, not ours

    def test_the_admin_signs_in_through_the_same_form(self, client):
        response = client.get("/admin/login/?next=/admin/")
        assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


class TestThrottle:
    def test_after_five_wrong_passwords_even_the_right_one_is_refused(self, client):
        UserFactory(username="li")
        for _attempt in range(5):
            assert login(client, password="wrong").status_code == 200
        refused = login(client)
        assert refused.status_code == 200
        assert "Too many failed login attempts" in str(refused.context["form"].errors)
        assert not signed_in(client)

    def test_the_right_password_works_again_once_the_window_has_passed(self, client):
        UserFactory(username="li")
        for _attempt in range(6):
            login(client, password="wrong")
        later = time.time() + 5 * 60 + 1
        with mock.patch("allauth.core.internal.ratelimit.time.time", return_value=later):
            assert login(client)["Location"] == reverse("home")

    def test_the_limit_is_per_account_not_for_everyone(self, client):
        UserFactory(username="li")
        UserFactory(username="zhao")
        for _attempt in range(5):
            login(client, password="wrong")
        assert login(client, "zhao")["Location"] == reverse("home")


# ---------------------------------------------------------------------------
# Password reset
# ---------------------------------------------------------------------------


class TestPasswordReset:
    def test_a_known_and_an_unknown_address_get_the_same_answer(self, client):
        UserFactory(username="li")
        known = client.post(RESET, {"email": "li@example.cn"}, **EN)
        unknown = client.post(RESET, {"email": "nobody@example.cn"}, **EN)
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
        to_li, to_nobody = mail.outbox
        assert "/accounts/password/reset/key/" in to_li.body
        assert "/accounts/password/reset/key/" not in to_nobody.body

    def test_the_emailed_link_sets_a_new_password_and_ends_the_other_sessions(self, client):
        UserFactory(username="li")
        elsewhere = Client()
        login(elsewhere)
        client.post(RESET, {"email": "li@example.cn"})
        page = client.get(link_in(mail.outbox[0], "/accounts/password/reset/key/"))
        # allauth moves the key out of the address before showing the form.
        assert page.status_code == 302
        form_url = page["Location"]
        done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert done["Location"] == reverse("account_reset_password_from_key_done")
        assert not signed_in(elsewhere)
        assert login(client, password=PASSWORD).status_code == 200
        assert login(client, password=NEW_PASSWORD)["Location"] == reverse("home")


# ---------------------------------------------------------------------------
# Email addresses
# ---------------------------------------------------------------------------


class TestEmailAddresses:
    def test_an_added_address_counts_only_once_confirmed(self, client):
        user = UserFactory(username="li")
        client.force_login(user)
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "Li.Work@Example.cn"}, **EN
        )
        assert response.status_code == 302
        added = EmailAddress.objects.get(user=user, email="li.work@example.cn")
        assert not added.verified and not added.primary
        client.post(link_in(mail.outbox[-1], "/accounts/confirm-email/"))
        added.refresh_from_db()
        assert added.verified

    def test_an_address_confirmed_by_another_account_never_becomes_this_ones(self, client):
        UserFactory(username="zhao", email="zhao@example.cn")
        li = UserFactory(username="li")
        client.force_login(li)
        # Accepted like any address (no enumeration), but it cannot be confirmed.
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "ZHAO@example.cn"}, **EN
        )
        assert response.status_code == 302
        confirm = link_in(mail.outbox[-1], "/accounts/confirm-email/")
        assert (
            "already confirmed by a different account" in client.get(confirm, **EN).content.decode()
        )
        client.post(confirm)
        assert not EmailAddress.objects.get(user=li, email="zhao@example.cn").verified
        assert (
            EmailAddress.objects.get(email="zhao@example.cn", verified=True).user.username == "zhao"
        )

    def test_the_page_needs_a_login(self, client):
        assert client.get(reverse("account_email"))["Location"].startswith(LOGIN)

    def test_reading_the_page_writes_nothing(self, client):
        from tests.readonly import no_writes

        client.force_login(UserFactory(username="li"))
        with no_writes():
            assert client.get(reverse("account_email")).status_code == 200


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------


class TestSessions:
    def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(self, client):
        UserFactory(username="li")
        elsewhere = Client()
        login(client)
        login(elsewhere)
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 302
        assert signed_in(client)
        assert not signed_in(elsewhere)

    def test_log_out_the_other_sessions(self, client):
        UserFactory(username="li")
        elsewhere = Client()
        login(client)
        login(elsewhere)
        page = client.get(reverse("usersessions_list"), **EN)
        assert page.status_code == 200 and page.context["session_count"] == 2
        client.post(reverse("usersessions_list"))
        assert signed_in(client)
        assert not signed_in(elsewhere)

    def test_the_sessions_page_needs_a_login(self, client):
        assert client.get(reverse("usersessions_list"))["Location"].startswith(LOGIN)

    def test_a_session_lasts_the_configured_idle_time(self, client, settings):
        assert settings.SESSION_COOKIE_AGE == settings.SUANBEI_SESSION_IDLE_MINUTES * 60
        UserFactory(username="li")
        login(client)
        session = Session.objects.get()
        left = (session.expire_date - session_now()).total_seconds()
        assert abs(left - settings.SESSION_COOKIE_AGE) < 30

    def test_activity_moves_the_expiry_forward_at_most_once_a_minute(self, client):
        UserFactory(username="li")
        login(client)
        first = Session.objects.get().expire_date
        client.get(reverse("home"))
        assert Session.objects.get().expire_date == first  # within the minute: no write
        later = time.time() + 120
        with mock.patch("workspaces.middleware.time.time", return_value=later):
            client.get(reverse("home"))
        assert Session.objects.get().expire_date > first

    @pytest.mark.parametrize(
        ("minutes", "answer"), [("30", "1800"), ("", "28800"), ("2", "minimum")]
    )
    def test_the_idle_time_comes_from_the_environment(self, minutes, answer, tmp_path):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUANBEI_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            SUANBEI_VAR_DIR=str(tmp_path),
            SUANBEI_SESSION_IDLE_MINUTES=minutes,
        )
        code = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert answer in (result.stdout + result.stderr)

    def test_an_idle_session_has_ended(self, client, settings):
        UserFactory(username="li")
        login(client)
        Session.objects.update(expire_date=session_now())
        assert not signed_in(client)


def session_now():
    from django.utils import timezone

    return timezone.now()


# ---------------------------------------------------------------------------
# Workspaces (unchanged by the move to allauth)
# ---------------------------------------------------------------------------


def test_home_goes_straight_to_the_only_workspace(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("filings:dashboard", args=[membership.workspace.slug])


def test_home_lists_only_my_workspaces(client):
    mine = MembershipFactory(workspace__name="我的组")
    MembershipFactory(user=mine.user, workspace__name="第二个组")
    WorkspaceFactory(name="别人的组")
    client.force_login(mine.user)
    body = client.get(reverse("home")).content.decode()
    assert "我的组" in body and "第二个组" in body and "别人的组" not in body


def test_creating_a_workspace_makes_me_its_owner(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("workspace-create"), {"name": "合规组", "slug": "compliance"})
    assert response.status_code == 302
    workspace = Workspace.objects.get(slug="compliance")
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.OWNER


@pytest.mark.parametrize("slug", ["Has Spaces", "UPPER", "中文", ""])
def test_a_bad_slug_is_refused(client, slug):
    client.force_login(UserFactory())
    response = client.post(reverse("workspace-create"), {"name": "合规组", "slug": slug})
    assert response.status_code == 200 and "slug" in response.context["form"].errors
    assert response.context["form"].data["name"] == "合规组"
    assert not Workspace.objects.exists()


def test_a_taken_slug_is_refused(client):
    WorkspaceFactory(slug="taken")
    client.force_login(UserFactory())
    response = client.post(reverse("workspace-create"), {"name": "合规组", "slug": "taken"})
    assert "slug" in response.context["form"].errors


def test_workspace_creation_requires_login(client):
    assert client.post(reverse("workspace-create"), {"name": "x", "slug": "x"}).status_code == 302
    assert not Workspace.objects.exists()


def test_healthz_answers_without_login(client):
    assert client.get(reverse("healthz")).content == b"ok"


class TestExistingAccounts:
    """Migration workspaces/0006: the addresses of the accounts made before allauth."""

    def migrate(self):
        from importlib import import_module

        from django.apps import apps

        import_module("workspaces.migrations.0006_email_addresses_for_existing_users").forwards(
            apps, None
        )

    def test_each_address_becomes_primary_and_unconfirmed_but_the_demos(self):
        User = get_user_model()
        User.objects.create_user("li", "Li@Example.cn", PASSWORD)
        User.objects.create_user("li2", "li@example.cn", PASSWORD)
        User.objects.create_user("nomail", "", PASSWORD)
        demo = User.objects.create_user("demo", "demo@example.cn", PASSWORD)
        Membership.objects.create(workspace=WorkspaceFactory(slug="demo"), user=demo)
        # Someone called "demo" outside the demo workspace gets nothing for free.
        User.objects.create_user("lawyer", "lawyer@example.cn", PASSWORD)
        self.migrate()
        rows = {a.user.username: a for a in EmailAddress.objects.select_related("user")}
        assert set(rows) == {"li", "li2", "demo", "lawyer"}
        assert rows["li"].email == "li@example.cn" and rows["li"].primary
        assert not rows["li"].verified and not rows["li2"].verified
        assert rows["demo"].verified and not rows["lawyer"].verified
        # Signing in still works: the password is kept, the address is confirmed by email.
        client = Client()
        response = client.post(LOGIN, {"login": "li", "password": PASSWORD})
        assert response["Location"] == reverse("account_email_verification_sent")
        assert [to.lower() for to in mail.outbox[-1].to] == ["li@example.cn"]

    def test_running_it_again_changes_nothing(self):
        get_user_model().objects.create_user("li", "li@example.cn", PASSWORD)
        self.migrate()
        self.migrate()
        assert EmailAddress.objects.count() == 1
