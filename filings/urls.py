from django.urls import path

from . import pii_views, views, wizard_views

app_name = "filings"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.workspace_export, name="export"),
    path("import/", views.workspace_import, name="import"),
    # /w/<slug>/providers/<pk>/
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path(
        "providers/<int:pk>/attachments/", views.provider_attachment_upload, name="provider-upload"
    ),
    # /w/<slug>/providers/<pk>/reveal/<field>/: personal data in full, for reviewers
    path("providers/<int:pk>/reveal/<slug:field>/", pii_views.reveal, name="pii-reveal"),
    # /w/<slug>/services/<pk>/
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("algorithms/new/", views.algorithm_create, name="algorithm-create"),
    # /w/<slug>/algorithms/<pk>/
    path("algorithms/<int:pk>/", views.algorithm_detail, name="algorithm"),
    path("algorithms/<int:pk>/delete/", views.algorithm_delete, name="algorithm-delete"),
    path(
        "algorithms/<int:pk>/attachments/",
        views.algorithm_attachment_upload,
        name="algorithm-upload",
    ),
    path("algorithms/<int:pk>/copy-sheet/", views.algorithm_copy_sheet, name="copy-sheet"),
    path("algorithms/<int:pk>/edit/", wizard_views.wizard_step, name="wizard-start"),
    path("algorithms/<int:pk>/edit/<slug:step>/", wizard_views.wizard_step, name="wizard"),
    path(
        "algorithms/<int:pk>/edit/<slug:step>/checks/",
        wizard_views.wizard_checks,
        name="wizard-checks",
    ),
    path("algorithms/<int:pk>/rows/<slug:kind>/", wizard_views.row_add, name="row-add"),
    path(
        "algorithms/<int:pk>/rows/<slug:kind>/<int:row>/delete/",
        wizard_views.row_delete,
        name="row-delete",
    ),
    # /w/<slug>/panels/<kind>/<pk>/: autosave of one form
    path("panels/<slug:kind>/<int:pk>/", wizard_views.panel_save, name="panel-save"),
    # /w/<slug>/algorithms/<pk>/panels/<kind>/<key>/: the first save creates the object
    path(
        "algorithms/<int:pk>/panels/<slug:kind>/<str:key>/",
        wizard_views.panel_save_new,
        name="panel-save-new",
    ),
    # /w/<slug>/filings/<pk>/ and /w/<slug>/attachments/<pk>/
    path("filings/<int:pk>/transition/", views.filing_transition, name="filing-transition"),
    path("filings/<int:pk>/number/", views.filing_number_correct, name="filing-number-correct"),
    path(
        "algorithms/<int:pk>/change-filing/",
        views.change_filing_start,
        name="change-filing-start",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
