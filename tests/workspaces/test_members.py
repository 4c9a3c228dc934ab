"""The members page: everyone sees the list, only owners change roles or remove members."""

import pytest
from django.test import Client
from django.urls import reverse

from filings.models import Activity, Algorithm
from tests.factories import MembershipFactory
from tests.workspaces.conftest import ROLES
from workspaces import services
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db


def _membership(team, role) -> Membership:
    return Membership.objects.get(workspace=team["workspace"], user=team[role])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


class TestTheList:
    @pytest.mark.parametrize("role", ROLES)
    def test_every_member_sees_everyone_with_their_role(self, client, team, role):
        client.force_login(team[role])
        response = client.get(reverse("members", args=["team"]))
        assert response.status_code == 200
        listed = {m.user.username: m.role for m in response.context["memberships"]}
        assert listed == {str(r): r for r in ROLES}
        body = response.content.decode()
        assert 'data-member="reviewer"' in body and "outsider" not in body

    def test_owners_come_first(self, client, team):
        client.force_login(team[Role.VIEWER])
        response = client.get(reverse("members", args=["team"]))
        assert [m.role for m in response.context["memberships"]] == ROLES

    @pytest.mark.parametrize("role", ROLES)
    def test_only_owners_get_the_controls_and_the_invitations(self, client, team, role):
        client.force_login(team[role])
        response = client.get(reverse("members", args=["team"]))
        body = response.content.decode()
        is_owner = role == Role.OWNER
        assert ('data-testid="invite-form"' in body) is is_owner
        assert (reverse("member-role", args=["team", _membership(team, role).pk]) in body) is (
            is_owner
        )
        assert ("invitations" in response.context) is is_owner

    def test_the_navbar_links_to_it(self, client, team):
        client.force_login(team[Role.VIEWER])
        body = client.get(reverse("filings:dashboard", args=["team"])).content.decode()
        assert reverse("members", args=["team"]) in body

    def test_another_workspace_is_404_and_a_login_is_required(self, client, team):
        url = reverse("members", args=["team"])
        assert client.get(url).status_code == 302
        client.force_login(team["outsider"])
        assert client.get(url).status_code == 404


class TestChangingARole:
    def url(self, team, role):
        return reverse("member-role", args=["team", _membership(team, role).pk])

    @pytest.mark.parametrize("role", ROLES)
    def test_only_an_owner_may(self, client, team, role):
        client.force_login(team[role])
        response = client.post(self.url(team, Role.VIEWER), {"role": Role.EDITOR})
        viewer = _membership(team, Role.VIEWER)
        if role == Role.OWNER:
            assert response.status_code == 302
            assert viewer.role == Role.EDITOR
        else:
            assert response.status_code == 403
            assert viewer.role == Role.VIEWER

    def test_it_is_recorded_in_the_activity_feed(self, client, team):
        client.force_login(team[Role.OWNER])
        client.post(self.url(team, Role.REVIEWER), {"role": Role.EDITOR})
        activity = Activity.objects.get(workspace=team["workspace"], verb=Activity.Verb.MEMBER)
        assert activity.actor == team[Role.OWNER]
        assert activity.data == {
            "action": "role",
            "user": team[Role.REVIEWER].pk,
            "old": "reviewer",
            "new": "editor",
        }

    def test_an_unknown_role_is_refused(self, client, team):
        client.force_login(team[Role.OWNER])
        response = client.post(
            self.url(team, Role.VIEWER), {"role": "admin"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert _membership(team, Role.VIEWER).role == Role.VIEWER
        assert "Choose one of the roles." in _messages(response)

    def test_the_last_owner_cannot_be_demoted(self, client, team):
        client.force_login(team[Role.OWNER])
        response = client.post(
            self.url(team, Role.OWNER),
            {"role": Role.EDITOR},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert _membership(team, Role.OWNER).role == Role.OWNER
        assert any("last owner" in m for m in _messages(response))
        assert not Activity.objects.filter(verb=Activity.Verb.MEMBER).exists()

    def test_an_owner_may_step_down_when_another_owner_remains(self, client, team):
        client.force_login(team[Role.OWNER])
        client.post(self.url(team, Role.EDITOR), {"role": Role.OWNER})
        response = client.post(self.url(team, Role.OWNER), {"role": Role.VIEWER})
        assert response["Location"] == reverse("members", args=["team"])
        assert _membership(team, Role.OWNER).role == Role.VIEWER
        # …and is no longer an owner on the very next request.
        again = client.post(self.url(team, Role.EDITOR), {"role": Role.VIEWER})
        assert again.status_code == 403

    def test_a_member_of_another_workspace_is_404(self, client, team):
        client.force_login(team[Role.OWNER])
        theirs = Membership.objects.get(user=team["outsider"])
        url = reverse("member-role", args=["team", theirs.pk])
        assert client.post(url, {"role": Role.VIEWER}).status_code == 404
        assert (
            client.post(
                reverse("member-role", args=["other", theirs.pk]), {"role": Role.VIEWER}
            ).status_code
            == 404
        )
        assert Membership.objects.get(pk=theirs.pk).role == Role.OWNER

    def test_it_needs_post_and_login(self, client, team):
        url = self.url(team, Role.VIEWER)
        assert client.post(url, {"role": Role.OWNER}).status_code == 302
        assert _membership(team, Role.VIEWER).role == Role.VIEWER
        client.force_login(team[Role.OWNER])
        assert client.get(url).status_code == 405


def test_two_owners_demoting_each_other_leave_one_owner(team):
    first = _membership(team, Role.OWNER)
    second = MembershipFactory(workspace=team["workspace"], role=Role.OWNER)
    services.member_change_role(membership=second, role=Role.EDITOR, by=first.user)
    # The second owner's request was already past its role check: the guard still holds.
    with pytest.raises(services.MemberError, match="last owner"):
        services.member_change_role(membership=first, role=Role.EDITOR, by=second.user)
    assert list(Membership.objects.filter(workspace=team["workspace"], role=Role.OWNER)) == [first]


class TestTheChangeTakesEffectAtOnce:
    def test_an_editor_demoted_to_viewer_is_refused_on_the_next_request(self, team):
        editor, owner = Client(), Client()
        editor.force_login(team[Role.EDITOR])
        owner.force_login(team[Role.OWNER])
        create = reverse("filings:algorithm-create", args=["team"])
        assert editor.post(create).status_code == 302
        owner.post(
            reverse("member-role", args=["team", _membership(team, Role.EDITOR).pk]),
            {"role": Role.VIEWER},
        )
        assert editor.post(create).status_code == 403
        assert Algorithm.objects.filter(workspace=team["workspace"]).count() == 1

    def test_a_viewer_made_owner_manages_members_on_the_next_request(self, team):
        viewer, owner = Client(), Client()
        viewer.force_login(team[Role.VIEWER])
        owner.force_login(team[Role.OWNER])
        target = reverse("member-role", args=["team", _membership(team, Role.REVIEWER).pk])
        assert viewer.post(target, {"role": Role.EDITOR}).status_code == 403
        owner.post(
            reverse("member-role", args=["team", _membership(team, Role.VIEWER).pk]),
            {"role": Role.OWNER},
        )
        assert viewer.post(target, {"role": Role.EDITOR}).status_code == 302
        assert _membership(team, Role.REVIEWER).role == Role.EDITOR

    def test_a_removed_member_loses_access_on_the_next_request(self, team):
        editor, owner = Client(), Client()
        editor.force_login(team[Role.EDITOR])
        owner.force_login(team[Role.OWNER])
        dashboard = reverse("filings:dashboard", args=["team"])
        assert editor.get(dashboard).status_code == 200
        owner.post(reverse("member-remove", args=["team", _membership(team, Role.EDITOR).pk]))
        assert editor.get(dashboard).status_code == 404


class TestRemovingAMember:
    def url(self, team, role):
        return reverse("member-remove", args=["team", _membership(team, role).pk])

    @pytest.mark.parametrize("role", ROLES)
    def test_only_an_owner_may(self, client, team, role):
        client.force_login(team[role])
        response = client.post(self.url(team, Role.REVIEWER))
        still_there = Membership.objects.filter(user=team[Role.REVIEWER]).exists()
        if role == Role.OWNER:
            assert response.status_code == 302 and not still_there
        else:
            assert response.status_code == 403 and still_there

    def test_it_is_recorded_in_the_activity_feed(self, client, team):
        client.force_login(team[Role.OWNER])
        client.post(self.url(team, Role.VIEWER))
        activity = Activity.objects.get(verb=Activity.Verb.MEMBER)
        assert activity.data["action"] == "remove" and activity.data["role"] == "viewer"
        assert activity.workspace == team["workspace"]

    def test_the_last_owner_cannot_be_removed(self, client, team):
        client.force_login(team[Role.OWNER])
        response = client.post(self.url(team, Role.OWNER), follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert _membership(team, Role.OWNER)
        assert any("last owner" in m for m in _messages(response))

    def test_an_owner_who_removes_themselves_goes_home(self, client, team):
        MembershipFactory(workspace=team["workspace"], role=Role.OWNER)
        client.force_login(team[Role.OWNER])
        response = client.post(self.url(team, Role.OWNER))
        assert response["Location"] == reverse("home")
        assert not Membership.objects.filter(user=team[Role.OWNER]).exists()

    def test_a_member_of_another_workspace_is_404(self, client, team):
        client.force_login(team[Role.OWNER])
        theirs = Membership.objects.get(user=team["outsider"])
        assert client.post(reverse("member-remove", args=["team", theirs.pk])).status_code == 404
        assert Membership.objects.filter(pk=theirs.pk).exists()

    def test_it_needs_post_and_login(self, client, team):
        url = self.url(team, Role.VIEWER)
        assert client.post(url).status_code == 302
        assert Membership.objects.filter(user=team[Role.VIEWER]).exists()
        client.force_login(team[Role.OWNER])
        assert client.get(url).status_code == 405
