"""Invitations: owners invite by email; the emailed link lets a logged-in user join once."""

import datetime as dt
import re
from unittest import mock
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from filings.models import Activity
from tests.factories import PASSWORD, UserFactory
from tests.workspaces.conftest import ROLES
from workspaces import services
from workspaces.models import Invitation, Membership, Role
from workspaces.tasks import send_invitation

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def invite(team, email="stranger@example.cn", role=Role.EDITOR, **fields) -> Invitation:
    """An invitation sent to `email` (by default the address of the `stranger` fixture)."""
    return Invitation.objects.create(
        workspace=team["workspace"], email=email, role=role, invited_by=team[Role.OWNER], **fields
    )


def accept_url(invitation) -> str:
    return reverse("invitation-accept", args=[invitation.token])


class TestInviting:
    url = reverse("invitation-create", args=["team"])

    @pytest.mark.parametrize("role", ROLES)
    def test_only_an_owner_may(self, client, team, role, django_capture_on_commit_callbacks):
        client.force_login(team[role])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.url, {"email": "new@example.cn", "role": "viewer"})
        if role == Role.OWNER:
            assert response.status_code == 302
            assert Invitation.objects.get().role == Role.VIEWER
            assert len(mail.outbox) == 1
        else:
            assert response.status_code == 403
            assert not Invitation.objects.exists() and not mail.outbox

    def test_the_email_carries_the_link_and_the_role(
        self, client, team, django_capture_on_commit_callbacks
    ):
        client.force_login(team[Role.OWNER])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(self.url, {"email": "new@example.cn", "role": "reviewer"}, **EN)
        invitation = Invitation.objects.get()
        [email] = mail.outbox
        link = f"http://testserver/invitations/{invitation.token}/"
        assert email.to == ["new@example.cn"]
        assert team["workspace"].name in email.subject and "\n" not in email.subject
        assert link in email.body
        assert "owner invites you" in email.body and "as Reviewer" in email.body
        assert "valid for 7 days" in email.body
        html, mimetype = email.alternatives[0]
        assert mimetype == "text/html" and f'href="{link}"' in html
        invitation.refresh_from_db()
        assert invitation.sent_at is not None

    def test_the_email_goes_out_only_after_the_commit_and_without_the_token(
        self, client, team, django_capture_on_commit_callbacks
    ):
        client.force_login(team[Role.OWNER])
        with mock.patch("workspaces.tasks.send_invitation.delay") as delay:
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                client.post(self.url, {"email": "new@example.cn", "role": "editor"}, **EN)
            assert not delay.called
            callbacks[0]()
        invitation = Invitation.objects.get()
        delay.assert_called_once_with(invitation.pk, "http://testserver/", "en")

    def test_the_link_expires_after_the_configured_days(self, client, team, settings):
        settings.SUANBEI_INVITATION_DAYS = 3
        client.force_login(team[Role.OWNER])
        client.post(self.url, {"email": "new@example.cn", "role": "editor"})
        invitation = Invitation.objects.get()
        assert invitation.expires_at - invitation.created_at == pytest.approx(
            dt.timedelta(days=3), abs=dt.timedelta(seconds=5)
        )
        assert len(invitation.token) >= 40

    def test_it_is_recorded_in_the_activity_feed(self, client, team):
        client.force_login(team[Role.OWNER])
        client.post(self.url, {"email": "new@example.cn", "role": "viewer"})
        activity = Activity.objects.get(verb=Activity.Verb.MEMBER)
        assert activity.actor == team[Role.OWNER]
        assert activity.data["action"] == "invite" and activity.data["email"] == "new@example.cn"

    def test_a_bad_address_is_shown_on_the_form(self, client, team):
        client.force_login(team[Role.OWNER])
        response = client.post(self.url, {"email": "not-an-email", "role": "editor"})
        assert response.status_code == 400
        assert "email" in response.context["invite_form"].errors
        assert not Invitation.objects.exists()

    def test_a_member_is_not_invited_again(self, client, team):
        client.force_login(team[Role.OWNER])
        email = team[Role.VIEWER].email.upper()
        response = client.post(self.url, {"email": email, "role": "editor"}, **EN)
        assert response.status_code == 400
        assert "already a member" in str(response.context["invite_form"].errors["email"])
        assert not Invitation.objects.exists()

    def test_inviting_the_same_address_again_replaces_the_earlier_link(
        self, client, team, django_capture_on_commit_callbacks
    ):
        client.force_login(team[Role.OWNER])
        for email, role in [("new@example.cn", "viewer"), ("New@example.cn", "editor")]:
            with django_capture_on_commit_callbacks(execute=True):
                client.post(self.url, {"email": email, "role": role})
        first, second = Invitation.objects.order_by("pk")
        assert first.status == Invitation.Status.REVOKED
        assert second.status == Invitation.Status.PENDING and second.role == Role.EDITOR
        assert len(mail.outbox) == 2
        assert client.get(accept_url(first)).status_code == 410

    def test_another_workspace_is_404_and_a_login_is_required(self, client, team):
        data = {"email": "new@example.cn", "role": "editor"}
        assert client.post(self.url, data).status_code == 302
        client.force_login(team["outsider"])
        assert client.post(self.url, data).status_code == 404
        assert not Invitation.objects.exists()

    def test_it_rejects_get(self, client, team):
        client.force_login(team[Role.OWNER])
        assert client.get(self.url).status_code == 405

    def test_owners_see_the_pending_invitations(self, client, team):
        pending = invite(team, email="pending@example.cn")
        invite(team, email="gone@example.cn", revoked_at=timezone.now())
        client.force_login(team[Role.OWNER])
        response = client.get(reverse("members", args=["team"]))
        assert list(response.context["invitations"]) == [pending]
        client.force_login(team[Role.EDITOR])
        body = client.get(reverse("members", args=["team"])).content.decode()
        assert "pending@example.cn" not in body


class TestSending:
    def test_a_revoked_invitation_is_not_sent(self, team):
        invitation = invite(team, revoked_at=timezone.now())
        assert send_invitation(invitation.pk, "http://testserver/", "en") is False
        assert not mail.outbox

    def test_a_vanished_invitation_is_not_sent(self, team):
        assert send_invitation(999_999, "http://testserver/", "en") is False

    def test_the_inviters_language_is_used(self, team):
        invitation = invite(team)
        with mock.patch("workspaces.services.translation.override") as override:
            send_invitation(invitation.pk, "https://suanbei.example.cn/", "zh-hans")
        override.assert_called_once_with("zh-hans")
        assert f"https://suanbei.example.cn/invitations/{invitation.token}/" in mail.outbox[0].body


class TestRevoking:
    def url(self, invitation):
        return reverse("invitation-revoke", args=[invitation.workspace.slug, invitation.pk])

    @pytest.mark.parametrize("role", ROLES)
    def test_only_an_owner_may(self, client, team, role):
        invitation = invite(team)
        client.force_login(team[role])
        response = client.post(self.url(invitation))
        invitation.refresh_from_db()
        if role == Role.OWNER:
            assert response.status_code == 302
            assert invitation.status == Invitation.Status.REVOKED
            assert Activity.objects.get(verb=Activity.Verb.MEMBER).data["action"] == "revoke"
        else:
            assert response.status_code == 403
            assert invitation.status == Invitation.Status.PENDING

    def test_a_used_invitation_stays_used(self, client, team, stranger):
        invitation = invite(team, accepted_by=stranger, accepted_at=timezone.now())
        client.force_login(team[Role.OWNER])
        response = client.post(self.url(invitation), follow=True, **EN)
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ACCEPTED
        assert "no longer pending" in response.content.decode()

    def test_another_workspaces_invitation_is_404(self, client, team):
        invitation = invite(team)
        client.force_login(team["outsider"])
        assert client.post(self.url(invitation)).status_code == 404
        other_url = reverse("invitation-revoke", args=["other", invitation.pk])
        assert client.post(other_url).status_code == 404
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.PENDING

    def test_it_needs_post_and_login(self, client, team):
        invitation = invite(team)
        assert client.post(self.url(invitation)).status_code == 302
        client.force_login(team[Role.OWNER])
        assert client.get(self.url(invitation)).status_code == 405
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.PENDING


class TestAccepting:
    @pytest.mark.parametrize("role", ROLES)
    def test_the_invited_user_joins_with_the_role(self, client, team, stranger, role):
        invitation = invite(team, role=role)
        client.force_login(stranger)
        page = client.get(accept_url(invitation), **EN)
        assert page.status_code == 200
        body = page.content.decode()
        assert team["workspace"].name in body and str(Role(role).label) in body
        response = client.post(accept_url(invitation))
        assert response["Location"] == reverse("filings:dashboard", args=["team"])
        assert Membership.objects.get(workspace=team["workspace"], user=stranger).role == role
        invitation.refresh_from_db()
        assert invitation.accepted_by == stranger and invitation.accepted_at
        activity = Activity.objects.get(verb=Activity.Verb.MEMBER)
        assert activity.actor == stranger
        assert activity.data["action"] == "accept" and activity.data["joined"] is True

    def test_logged_out_it_asks_for_a_login_and_comes_back(self, client, team, stranger):
        invitation = invite(team)
        response = client.get(accept_url(invitation))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={accept_url(invitation)}"
        login = client.post(
            response["Location"],
            {"login": "stranger", "password": PASSWORD, "next": accept_url(invitation)},
        )
        assert login["Location"] == accept_url(invitation)
        client.post(accept_url(invitation))
        assert Membership.objects.filter(user=stranger, workspace=team["workspace"]).exists()

    def test_logged_out_a_post_does_not_accept(self, client, team):
        invitation = invite(team)
        response = client.post(accept_url(invitation))
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
        invitation.refresh_from_db()
        assert invitation.is_pending

    def test_signing_up_instead_comes_back_to_the_invitation(self, client, team):
        invitation = invite(team, email="new@example.cn")
        login_page = client.get(accept_url(invitation), follow=True)
        # The login page's "Sign up" link carries the way back.
        signup_url = login_page.context["signup_url"]
        assert (
            signup_url
            == f"{reverse('account_signup')}?next={quote(accept_url(invitation), safe='')}"
        )
        response = client.post(
            signup_url,
            {
                "email": "new@example.cn",
                "password1": "s3cure-Pass-2026",
                "password2": "s3cure-Pass-2026",
                "next": accept_url(invitation),
            },
        )
        assert response["Location"] == reverse("account_email_verification_sent")
        confirm = re.search(r"/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
        assert client.post(confirm)["Location"] == accept_url(invitation)
        client.post(accept_url(invitation))
        member = Membership.objects.get(workspace=team["workspace"], user__email="new@example.cn")
        assert member.role == Role.EDITOR

    def test_signup_follows_a_safe_next_only(self, client, team):
        data = {
            "email": "new@example.cn",
            "password1": "s3cure-Pass-2026",
            "password2": "s3cure-Pass-2026",
            "next": "https://evil.example.com/",
        }
        client.post(reverse("account_signup"), data)
        confirm = re.search(r"/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
        assert client.post(confirm)["Location"] == reverse("home")

    def test_a_member_keeps_their_role(self, client, team):
        invitation = invite(team, email="viewer@example.cn", role=Role.OWNER)
        client.force_login(team[Role.VIEWER])
        page = client.get(accept_url(invitation), **EN)
        assert "already a member of this workspace as Viewer" in page.content.decode()
        response = client.post(accept_url(invitation), follow=True, **EN)
        assert "your role is unchanged" in response.content.decode()
        membership = Membership.objects.get(workspace=team["workspace"], user=team[Role.VIEWER])
        assert membership.role == Role.VIEWER
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ACCEPTED
        assert Activity.objects.get(verb=Activity.Verb.MEMBER).data["joined"] is False

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expired"),
            ({"revoked_at": timezone.now()}, "withdrawn"),
        ],
    )
    def test_an_expired_or_revoked_link_is_refused(self, client, team, stranger, fields, message):
        invitation = invite(team, **fields)
        for logged_in in (False, True):
            if logged_in:
                client.force_login(stranger)
            page = client.get(accept_url(invitation), **EN)
            assert page.status_code == 410 and message in page.content.decode()
        assert client.post(accept_url(invitation), **EN).status_code == 410
        assert not Membership.objects.filter(user=stranger).exists()

    def test_a_used_link_is_refused_to_anyone_else(self, client, team, stranger):
        invitation = invite(team)
        client.force_login(stranger)
        client.post(accept_url(invitation))
        other = UserFactory()
        client.force_login(other)
        page = client.get(accept_url(invitation), **EN)
        assert page.status_code == 410 and "already been used" in page.content.decode()
        assert client.post(accept_url(invitation)).status_code == 410
        assert not Membership.objects.filter(user=other).exists()

    def test_the_user_who_used_it_is_taken_to_the_workspace(self, client, team, stranger):
        invitation = invite(team)
        client.force_login(stranger)
        client.post(accept_url(invitation))
        response = client.get(accept_url(invitation))
        assert response["Location"] == reverse("filings:dashboard", args=["team"])

    def test_a_link_revoked_while_the_page_was_open_is_refused(self, client, team, stranger):
        invitation = invite(team)
        client.force_login(stranger)
        assert client.get(accept_url(invitation)).status_code == 200
        services.invitation_revoke(invitation=invitation, by=team[Role.OWNER])
        assert client.post(accept_url(invitation)).status_code == 410
        assert not Membership.objects.filter(user=stranger).exists()

    def test_an_unknown_token_is_404(self, client, stranger):
        client.force_login(stranger)
        assert client.get(reverse("invitation-accept", args=["no-such-token"])).status_code == 404


class TestBoundToTheAddress:
    """Only an account that confirmed the invited address may accept."""

    def test_another_account_is_refused_and_told_what_to_do(self, client, team, stranger):
        invitation = invite(team, email="someone.else@example.cn")
        client.force_login(stranger)
        page = client.get(accept_url(invitation), **EN)
        assert page.status_code == 403
        body = page.content.decode()
        assert "someone.else@example.cn" in body and 'data-testid="wrong-address"' in body
        assert reverse("account_email") in body and reverse("account_logout") in body
        assert 'data-testid="accept"' not in body
        assert client.post(accept_url(invitation), **EN).status_code == 403
        assert not Membership.objects.filter(user=stranger).exists()
        invitation.refresh_from_db()
        assert invitation.is_pending

    def test_an_unconfirmed_address_is_not_enough(self, client, team):
        holder = UserFactory(username="holder", email="stranger@example.cn", verified_email=False)
        invitation = invite(team)
        client.force_login(holder)
        assert client.post(accept_url(invitation)).status_code == 403
        assert not Membership.objects.filter(user=holder).exists()

    def test_the_service_refuses_too(self, team):
        other = UserFactory(username="other")
        with pytest.raises(services.MemberError, match="Only an account that has confirmed"):
            services.invitation_accept(invitation=invite(team), user=other)
        assert not Membership.objects.filter(user=other).exists()

    def test_the_address_matches_in_any_case(self, client, team, stranger):
        invitation = invite(team, email="Stranger@Example.CN")
        client.force_login(stranger)
        assert client.post(accept_url(invitation)).status_code == 302
        assert Membership.objects.filter(user=stranger, workspace=team["workspace"]).exists()

    def test_a_second_confirmed_address_of_the_account_counts(self, client, team, stranger):
        EmailAddress.objects.create(user=stranger, email="work@example.cn", verified=True)
        invitation = invite(team, email="work@example.cn")
        client.force_login(stranger)
        assert client.post(accept_url(invitation)).status_code == 302
        assert Membership.objects.filter(user=stranger, workspace=team["workspace"]).exists()

    def test_the_owner_sees_who_accepted_and_when(self, client, team, stranger):
        invitation = invite(team, role=Role.REVIEWER)
        client.force_login(stranger)
        client.post(accept_url(invitation))
        invitation.refresh_from_db()
        client.force_login(team[Role.OWNER])
        page = client.get(reverse("members", args=["team"]), **EN)
        assert list(page.context["accepted_invitations"]) == [invitation]
        body = page.content.decode()
        row = body[body.index('data-accepted="stranger@example.cn"') :]
        row = row[: row.index("</tr>")]
        assert "stranger" in row
        assert timezone.localtime(invitation.accepted_at).strftime("%Y-%m-%d %H:%M") in row

    def test_only_owners_see_the_accepted_invitations(self, client, team, stranger):
        client.force_login(stranger)
        client.post(accept_url(invite(team)))
        client.force_login(team[Role.EDITOR])
        page = client.get(reverse("members", args=["team"]), **EN)
        assert "accepted_invitations" not in page.context
        assert 'data-testid="accepted-invitations"' not in page.content.decode()
