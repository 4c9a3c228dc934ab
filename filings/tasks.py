from celery import shared_task


@shared_task(name="suanbei.ping")
def ping() -> str:
    """Answers "pong": lets `manage.py check_worker` and the tests prove a worker consumes the queue."""
    return "pong"
