from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from filings.interchange import dumps, export_workspace
from workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Write a workspace as a suanbei.workspace/1 JSON document (to standard output or -o FILE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="File to write; standard output when omitted.")

    def handle(self, *args, slug: str, output: str | None, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        text = dumps(export_workspace(workspace))
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
