from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.genai import GenAIImportError, import_genai


class Command(BaseCommand):
    help = (
        "Load the CAC's generative-AI filing and registration lists (the JSON shape of "
        "shared/data/cac/genai-filings.json); replaces the lists loaded before."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON file, UTF-8.")

    def handle(self, *args, file: str, **options):
        try:
            result = import_genai(file)
        except GenAIImportError as exc:
            raise CommandError(
                _("%(file)s was not imported; nothing was written:") % {"file": file}
                + "\n"
                + str(exc)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(rows)d generative-AI listings: %(beian)d 备案, %(dengji)d 登记. "
                    "Latest batch: %(batch)s."
                )
                % {
                    "rows": result.rows_total,
                    "beian": result.beian,
                    "dengji": result.dengji,
                    "batch": result.latest_batch,
                }
            )
        )
