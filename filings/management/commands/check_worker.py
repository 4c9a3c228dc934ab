from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError

from filings.tasks import ping


class Command(BaseCommand):
    help = "Send a ping task through the configured broker and wait for a worker to answer."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=15.0)

    def handle(self, *args, timeout: float, **options):
        result = ping.delay()
        try:
            answer = result.get(timeout=timeout)
        except CeleryTimeout:
            raise CommandError(
                f"No worker answered within {timeout:g} s: is `celery -A config worker` running?"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Worker answered: {answer}"))
