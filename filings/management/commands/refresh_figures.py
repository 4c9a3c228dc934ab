from django.core.management.base import BaseCommand, CommandError

from filings.figures import refresh
from filings.models import Algorithm
from workspaces.models import Workspace

# Algorithms recomputed per round: bounds the memory of one round.
ROUND = 500


class Command(BaseCommand):
    help = (
        "Recompute the figures the dashboard reads (completeness, problems, next deadline) "
        "of the algorithms whose data, filings, catalogue or calendar changed since they were "
        "stored, or of all of them with --force. Without a workspace: every workspace."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG")
        parser.add_argument("--force", action="store_true", help="Recompute every algorithm.")

    def handle(self, *args, slugs: list[str], force: bool, **options):
        algorithms = Algorithm.objects.order_by("workspace_id", "pk")
        if slugs:
            found = set(Workspace.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            missing = sorted(set(slugs) - found)
            if missing:
                raise CommandError(f"No workspace with slug {', '.join(missing)}.")
            algorithms = algorithms.filter(workspace__slug__in=slugs)
        ids = list(algorithms.values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), ROUND):
            done += refresh(ids[start : start + ROUND], force=force)
        self.stdout.write(f"{done} of {len(ids)} algorithm(s) recomputed.")
