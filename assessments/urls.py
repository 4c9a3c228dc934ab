from django.urls import path

from . import views

app_name = "assessments"

# /w/<slug>/algorithms/<pk>/assessment/
urlpatterns = [
    path("", views.assessment_page, name="page"),
    path("metrics/", views.metrics_save, name="metrics"),
    path("risks/", views.risks_save, name="risks"),
    path("summary/", views.summary_fragment, name="summary"),
]
