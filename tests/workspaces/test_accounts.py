import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db


def test_signup_logs_the_new_user_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "wang",
            "email": "wang@example.cn",
            "password1": "s3cure-Pass-2026",
            "password2": "s3cure-Pass-2026",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert get_user_model().objects.filter(username="wang").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {
                "username": "wang",
                "email": "wang@example.cn",
                "password1": "s3cure-Pass-2026",
                "password2": "other-Pass-2026",
            },
            "password2",
        ),
        (
            {
                "username": "wang",
                "email": "not-an-email",
                "password1": "s3cure-Pass-2026",
                "password2": "s3cure-Pass-2026",
            },
            "email",
        ),
        (
            {
                "username": "wang",
                "email": "wang@example.cn",
                "password1": "123",
                "password2": "123",
            },
            "password2",
        ),
        (
            {
                "username": "",
                "email": "wang@example.cn",
                "password1": "s3cure-Pass-2026",
                "password2": "s3cure-Pass-2026",
            },
            "username",
        ),
    ],
)
def test_signup_bad_input_is_shown_and_kept(client, data, field):
    response = client.post(reverse("signup"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["form"].data["email"] == data["email"]
    assert not get_user_model().objects.filter(username="wang").exists()


def test_login_and_logout(client):
    user = UserFactory(username="li")
    response = client.post(reverse("login"), {"username": "li", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == user
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_is_refused(client):
    UserFactory(username="li")
    response = client.post(reverse("login"), {"username": "li", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors


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
