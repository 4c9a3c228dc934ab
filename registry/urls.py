from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.search, name="search"),
    # /registry/<filing number>/
    path("<str:filing_number>/", views.detail, name="detail"),
]
