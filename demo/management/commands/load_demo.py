from django.core.management.base import BaseCommand

from demo.workspace import DEMO_PASSWORD, DEMO_REVIEWER, DEMO_SLUG, DEMO_USERNAME, load_demo
from workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Create the demo workspace (slug 'demo') with its user, provider, services and algorithms."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any workspace exists."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete and recreate the demo workspace."
        )

    def handle(self, *args, if_empty: bool, reset: bool, **options):
        if if_empty and Workspace.objects.exists():
            self.stdout.write("Workspaces exist already; demo not loaded.")
            return
        if Workspace.objects.filter(slug=DEMO_SLUG).exists() and not reset:
            self.stdout.write("The demo workspace exists already; use --reset to recreate it.")
            return
        load_demo(reset=reset)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo workspace '{DEMO_SLUG}' loaded. Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} "
                f"(owner) or {DEMO_REVIEWER} / {DEMO_PASSWORD} (reviewer)"
            )
        )
