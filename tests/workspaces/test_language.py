"""Each person's language: remembered from the language switcher and at
login, and used for the emails written to her, the invitation included."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.readonly import no_writes
from workspaces import services
from workspaces.models import Invitation, Profile, Role, language_of, languages_of
from workspaces.tasks import send_invitation

pytestmark = pytest.mark.django_db

SETLANG = reverse("set_language")


def _language(user) -> str | None:
    return Profile.objects.filter(user=user).values_list("language", flat=True).first()


class TestRemembered:
    def test_without_a_choice_the_site_language_is_used(self, settings):
        user = UserFactory()
        assert language_of(user) == settings.LANGUAGE_CODE == "zh-hans"
        assert languages_of([user.pk]) == {user.pk: "zh-hans"}

    def test_the_language_switcher_remembers_the_choice(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(SETLANG, {"language": "en", "next": "/"})
        assert response.status_code == 302 and response["Location"] == "/"
        assert response.cookies["django_language"].value == "en"
        assert _language(user) == "en"
        client.post(SETLANG, {"language": "zh-hans", "next": "/"})
        assert _language(user) == "zh-hans" and Profile.objects.count() == 1

    def test_a_language_the_site_does_not_offer_is_ignored(self, client):
        user = UserFactory()
        client.force_login(user)
        client.post(SETLANG, {"language": "fr", "next": "/"})
        client.post(SETLANG, {"language": "", "next": "/"})
        assert not Profile.objects.exists()

    def test_an_anonymous_switch_sets_the_cookie_only(self, client):
        response = client.post(SETLANG, {"language": "en", "next": "/"})
        assert response.cookies["django_language"].value == "en"
        assert not Profile.objects.exists()

    def test_a_get_of_the_switcher_writes_nothing(self, client):
        user = UserFactory()
        client.force_login(user)
        with no_writes():
            client.get(SETLANG, {"language": "en", "next": "/"})
        assert not Profile.objects.exists()

    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_logging_in_remembers_the_language_of_the_request(self, client, language):
        user = UserFactory(username="lin")
        Profile.objects.create(user=user, language="zh-hans" if language == "en" else "en")
        response = client.post(
            reverse("account_login"),
            {"login": "lin", "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 302
        assert _language(user) == language

    def test_a_login_without_a_request_language_changes_nothing(self, client):
        user = UserFactory()
        client.force_login(user)  # no LocaleMiddleware: a script or a test
        assert not Profile.objects.exists()

    def test_remembering_the_same_language_again_writes_nothing(self):
        user = UserFactory()
        assert services.language_remember(user=user, language="en") is True
        with no_writes():
            assert services.language_remember(user=user, language="en") is False
        assert services.language_remember(user=user, language="zh-hans") is True
        assert _language(user) == "zh-hans"


class TestInvitationLanguage:
    @pytest.fixture
    def team(self, member_factory):
        from tests.factories import WorkspaceFactory

        workspace = WorkspaceFactory(slug="team")
        return {"workspace": workspace, "owner": member_factory(workspace, Role.OWNER)}

    def _invite(self, team, email):
        return Invitation.objects.create(
            workspace=team["workspace"], email=email, role=Role.EDITOR, invited_by=team["owner"]
        )

    def test_a_person_with_an_account_is_invited_in_her_own_language(self, team):
        invitee = UserFactory(email="lin@example.cn")
        Profile.objects.create(user=invitee, language="zh-hans")
        invitation = self._invite(team, "LIN@example.cn")
        send_invitation(invitation.pk, "https://suanbei.example.cn/", "en")  # inviter: English
        [email] = mail.outbox
        assert email.subject.endswith("的邀请") and "Invitation" not in email.subject

    def test_a_new_address_is_invited_in_the_inviters_language(self, team):
        invitation = self._invite(team, "new@example.cn")
        send_invitation(invitation.pk, "https://suanbei.example.cn/", "en")
        send_invitation(invitation.pk, "https://suanbei.example.cn/", "zh-hans")
        english, chinese = mail.outbox
        assert english.subject.startswith("Invitation to the workspace")
        assert chinese.subject.endswith("的邀请")

    def test_the_invite_form_passes_the_inviters_language(
        self, client, team, django_capture_on_commit_callbacks
    ):
        client.force_login(team["owner"])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("invitation-create", args=["team"]),
                {"email": "new@example.cn", "role": Role.EDITOR},
                HTTP_ACCEPT_LANGUAGE="en",
            )
        [email] = mail.outbox
        assert email.subject.startswith("Invitation to the workspace")
