from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("workspaces.auth_urls")),
    path("", include("workspaces.urls")),
    path("w/<slug:slug>/", include("filings.urls")),
]
# Uploaded files are never served from MEDIA_URL: they are downloaded through
# views that check the user's workspace (filings.views.attachment_download).
