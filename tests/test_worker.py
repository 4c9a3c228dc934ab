"""A real Celery worker consumes a task through the configured broker
(kombu's filesystem transport by default, Redis when REDIS_URL is set) and
its answer comes back through the configured result backend (files under
var/, or Redis). Only the ping keeps a result: the other tasks ignore theirs."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from filings.tasks import ping


@pytest.fixture
def real_worker(transactional_db):
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_a_worker_answers_through_the_configured_broker(real_worker):
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    expected = "RedisBackend" if settings.REDIS_URL else "FilesystemBackend"
    assert type(result.backend).__name__ == expected


def test_only_the_ping_keeps_its_result():
    from documents.tasks import render_document
    from reviews.tasks import send_notification

    assert app.conf.task_ignore_result
    assert ping.ignore_result is False
    assert render_document.ignore_result and send_notification.ignore_result


def test_the_broker_is_the_configured_one():
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert app.connection_for_write().transport_cls == expected
