from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("workspaces/new/", views.workspace_create, name="workspace-create"),
]
