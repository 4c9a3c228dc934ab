from django.urls import path

from . import views

app_name = "reviews"

# Included under /w/<slug>/, beside filings.urls: none of these prefixes is one of its paths.
urlpatterns = [
    # /w/<slug>/activity/
    path("activity/", views.activity_feed, name="activity"),
    # /w/<slug>/reviews/
    path("reviews/settings/", views.review_settings, name="settings"),
    path("reviews/threads/<int:pk>/reply/", views.thread_reply, name="thread-reply"),
    path("reviews/threads/<int:pk>/resolve/", views.thread_resolve, name="thread-resolve"),
    # /w/<slug>/filings/<pk>/review/
    path("filings/<int:pk>/review/", views.review_page, name="review"),
    path("filings/<int:pk>/review/request/", views.request_review, name="request"),
    path("filings/<int:pk>/review/decision/", views.decide, name="decide"),
    path("filings/<int:pk>/review/threads/", views.thread_create, name="thread-create"),
    path("filings/<int:pk>/review/submission/", views.record_submission, name="submission"),
    path("filings/<int:pk>/review/return/", views.record_return, name="return"),
    path("filings/<int:pk>/review/filed/", views.record_filing, name="filed"),
    # /w/<slug>/algorithms/<pk>/history/
    path("algorithms/<int:pk>/history/", views.algorithm_history, name="history"),
]
