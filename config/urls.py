from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from filings import views as filings_views
from workspaces import views as workspaces_views

# The admin signs in through allauth too: the same rate limits and second factor.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switcher, remembering a signed-in person's choice for her emails.
    path("i18n/setlang/", workspaces_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # django-allauth: sign-in, sign-up, email addresses, password, two-factor, sessions.
    # The paths of the former hand-written views (login/, logout/, signup/) are allauth's too.
    path("accounts/", include("allauth.urls")),
    path("", include("workspaces.urls")),
    # Before filings.urls; its prefixes (activity/, reviews/, filings/<pk>/review/,
    # algorithms/<pk>/history/) are none of filings' paths.
    path("w/<slug:slug>/", include("reviews.urls")),
    path("w/<slug:slug>/", include("filings.urls")),
    path("w/<slug:slug>/documents/", include("documents.urls")),
    path("w/<slug:slug>/algorithms/<int:pk>/assessment/", include("assessments.urls")),
    path("registry/", include("registry.urls")),
    path("schema/workspace-1.json", filings_views.interchange_schema, name="interchange-schema"),
]
# Uploaded files are never served from MEDIA_URL: they are downloaded through
# views that check the user's workspace (filings.views.attachment_download).

# A database that stayed busy (SQLite's lock) is a 503 with Retry-After, not a 500.
handler500 = "config.database_busy.server_error"
