from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("workspaces/new/", views.workspace_create, name="workspace-create"),
    # /invitations/<token>/: the link in the invitation email
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    # /w/<slug>/members/
    path("w/<slug:slug>/members/", views.members, name="members"),
    path("w/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member-role"),
    path("w/<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("w/<slug:slug>/members/four-eyes/", views.four_eyes, name="four-eyes"),
    path("w/<slug:slug>/members/two-factor/", views.require_mfa, name="require-mfa"),
    # /w/<slug>/invitations/
    path("w/<slug:slug>/invitations/", views.invitation_create, name="invitation-create"),
    path(
        "w/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
]
