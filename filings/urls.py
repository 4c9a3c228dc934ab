from django.urls import path

from . import views

app_name = "filings"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # /w/<slug>/providers/<pk>/
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path(
        "providers/<int:pk>/attachments/", views.provider_attachment_upload, name="provider-upload"
    ),
    # /w/<slug>/services/<pk>/
    path("services/<int:pk>/", views.service_detail, name="service"),
    # /w/<slug>/algorithms/<pk>/
    path("algorithms/<int:pk>/", views.algorithm_detail, name="algorithm"),
    path(
        "algorithms/<int:pk>/attachments/",
        views.algorithm_attachment_upload,
        name="algorithm-upload",
    ),
    # /w/<slug>/filings/<pk>/ and /w/<slug>/attachments/<pk>/
    path("filings/<int:pk>/transition/", views.filing_transition, name="filing-transition"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
