"""A real Celery worker consumes a task through the configured broker
(kombu's filesystem transport by default, Redis when REDIS_URL is set) and
stores the result in the database."""

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
    from django_celery_results.models import TaskResult

    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    assert TaskResult.objects.filter(task_id=result.id, status="SUCCESS").exists()


def test_the_broker_is_the_configured_one():
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert app.connection_for_write().transport_cls == expected
