from django.urls import path

from . import views

app_name = "documents"

# /w/<slug>/documents/
urlpatterns = [
    # /w/<slug>/documents/algorithms/<pk>/
    path("algorithms/<int:pk>/", views.algorithm_documents, name="algorithm"),
    path("algorithms/<int:pk>/generate/", views.generate, name="generate"),
    # /w/<slug>/documents/jobs/<pk>/
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="download"),
    path("jobs/<int:pk>/bundle/", views.bundle_download, name="bundle"),
    # /w/<slug>/documents/texts/<kind>/: the wording of the letters (owners)
    path("texts/<slug:kind>/", views.text_edit, name="text"),
]
