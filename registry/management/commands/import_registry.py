from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.importer import RegistryImportError, import_registry


class Command(BaseCommand):
    help = "Load a CSV of the CAC's published algorithm filing lists (columns of shared/data/cac/records.csv)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file, UTF-8.")

    def handle(self, *args, file: str, **options):
        try:
            result = import_registry(file)
        except RegistryImportError as exc:
            # CommandError exits with status 1 and prints the message on stderr.
            raise CommandError(
                _("%(file)s was not imported; nothing was written:") % {"file": file}
                + "\n"
                + str(exc)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(rows)d rows in %(seconds).2f s: %(created)d created, "
                    "%(updated)d updated, %(unchanged)d unchanged. Latest batch: %(batch)s."
                )
                % {
                    "rows": result.rows_total,
                    "seconds": result.seconds,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "batch": result.record.latest_batch or "—",
                }
            )
        )
