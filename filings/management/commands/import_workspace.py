from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from filings.interchange import ImportRefused, import_document, parse
from workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Import a suanbei.workspace/1 JSON document into a workspace (created when missing). "
        "All or nothing: on any problem nothing is written and every problem is listed with its JSON Pointer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--into", required=True, metavar="SLUG", help="Target workspace slug.")
        parser.add_argument(
            "--merge",
            action="store_true",
            help="Merge into a workspace that has data, matching providers, services and algorithms by name.",
        )

    def handle(self, *args, file: str, into: str, merge: bool, **options):
        if slugify(into) != into:
            raise CommandError(
                f"{into!r} is not a valid slug: use lowercase letters, digits and hyphens."
            )
        path = Path(file)
        try:
            size = path.stat().st_size
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        limit = settings.SUANBEI_IMPORT_MAX_BYTES
        try:
            if size > limit:
                # Refuse before reading a huge file into memory.
                raise CommandError(
                    f"{file} is {size:,} bytes; the import limit is {limit:,} bytes."
                )
            document = parse(path.read_bytes(), max_bytes=limit)
            workspace = Workspace.objects.filter(slug=into).first() or Workspace(
                slug=into, name=(document.get("workspace") or {}).get("name") or into
            )
            result = import_document(document, workspace=workspace, merge=merge)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(f"{problem.pointer or '/'}: {problem.message}")
            raise CommandError(f"Nothing imported: {len(refused.problems)} problem(s).") from None
        summary = (
            ", ".join(f"{n} {name}" for name, n in sorted(result.created.items())) or "nothing"
        )
        self.stdout.write(self.style.SUCCESS(f"Imported into {into}: created {summary}."))
        if result.updated:
            self.stdout.write(
                "Updated: " + ", ".join(f"{n} {name}" for name, n in sorted(result.updated.items()))
            )
        if result.replaced:
            self.stdout.write(
                "Replaced: "
                + ", ".join(f"{n} {name}" for name, n in sorted(result.replaced.items()))
            )
