"""Accounts in the browser: a forgotten password reset from the emailed link,
and an authenticator app set up and then asked for at sign-in."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.helpers import emailed_link, login
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Remembered-At-Last-2026"


def totp_code(secret: str) -> str:
    """What the authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_a_forgotten_password_is_reset_from_the_emailed_link(live_server, page_factory):
    membership = MembershipFactory(
        workspace__slug="team", user=UserFactory(username="li"), role=Role.EDITOR
    )
    page = page_factory(locale="en-US")
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("[data-testid=forgot-password]")
    page.wait_for_url(re.compile(r"/accounts/password/reset/$"))
    page.fill("input[name=email]", "li@example.cn")
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))

    [message] = mail.outbox
    assert message.to == ["li@example.cn"]
    page.goto(live_server.url + emailed_link(message, "/accounts/password/reset/key/"))
    # allauth takes the key out of the address before showing the form.
    page.wait_for_url(re.compile(r"-set-password/$"))
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/password/reset/key/done/$"))

    # The old password no longer works; the new one does.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "li")
    page.fill("input[name=password]", "pw-for-tests")
    page.click("[data-testid=login-form] [type=submit]")
    expect(page.locator("[data-testid=login-form] .invalid-feedback, .alert")).not_to_have_count(0)
    login(page, live_server.url, "li@example.cn", NEW_PASSWORD)
    assert page.url == f"{live_server.url}/w/{membership.workspace.slug}/"


def test_an_authenticator_app_is_set_up_then_asked_for_at_sign_in(live_server, page_factory):
    MembershipFactory(workspace__slug="team", user=UserFactory(username="wu"), role=Role.OWNER)
    page = page_factory(locale="en-US")
    login(page, live_server.url, "wu")

    page.click("[data-testid=user-menu] .dropdown-toggle")
    page.click("[data-testid=account-link]")
    page.click("[data-testid=account-menu] a[href='/accounts/2fa/']")
    page.click("main a[href='/accounts/2fa/totp/activate/']")
    # Changing how the account signs in asks for the password again.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.fill("input[name=password]", "pw-for-tests")
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("[data-testid=totp-qr]")).to_be_visible()
    secret = page.locator("[data-testid=totp-secret]").input_value()

    # A wrong code is refused beside the field, and the same key stays on the page.
    page.fill("input[name=code]", "000000")
    page.click("[data-testid=totp-activate-form] [type=submit]")
    expect(page.locator("[data-testid=totp-activate-form] .invalid-feedback")).to_be_visible()
    assert page.locator("[data-testid=totp-secret]").input_value() == secret

    page.fill("input[name=code]", totp_code(secret))
    page.click("[data-testid=totp-activate-form] [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.locator("[data-testid=recovery-codes]").inner_text().split()
    assert len(codes) == 10

    page.click("[data-testid=user-menu] .dropdown-toggle")
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    # The password alone now leads to the second step.
    page.fill("input[name=login]", "wu")
    page.fill("input[name=password]", "pw-for-tests")
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.fill("input[name=code]", totp_code(secret))
    page.click("main form [type=submit]")
    page.wait_for_url(f"{live_server.url}/w/team/")


def test_a_security_key_is_added_then_asked_for_at_sign_in(live_server, page_factory):
    MembershipFactory(workspace__slug="team", user=UserFactory(username="qian"), role=Role.EDITOR)
    page = page_factory(locale="en-US")
    # Chromium's virtual authenticator stands in for the key (DevTools protocol).
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    login(page, live_server.url, "qian")
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.fill("input[name=password]", "pw-for-tests")
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
    page.fill("input[name=name]", "USB key")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))

    page.click("[data-testid=user-menu] .dropdown-toggle")
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    page.fill("input[name=login]", "qian")
    page.fill("input[name=password]", "pw-for-tests")
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(f"{live_server.url}/w/team/")
