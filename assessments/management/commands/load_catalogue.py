from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.catalogue import DEFAULT_FILE, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the self-assessment catalogue from a JSON file (the bundled one by default). "
        "Items are updated by id; items missing from the file become inactive, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, file: str, **options):
        try:
            result = load_catalogue(file)
        except CatalogueError as error:
            raise CommandError(
                _("The catalogue was not loaded:\n%(problems)s")
                % {"problems": "\n".join(f"  {p}" for p in error.problems)}
            ) from error
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Catalogue %(version)s loaded: %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged, %(deactivated)d made inactive."
                )
                % {
                    "version": result.version,
                    "created": len(result.created),
                    "updated": len(result.updated),
                    "unchanged": result.unchanged,
                    "deactivated": len(result.deactivated),
                }
            )
        )
