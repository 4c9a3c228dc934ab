import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.lookup import listings


class Command(BaseCommand):
    help = "Print the published listing of a filing number as JSON."

    def add_arguments(self, parser):
        parser.add_argument("filing_number", help="e.g. 网信算备110108823483901230031号")
        parser.add_argument(
            "--all",
            dest="all_listings",
            action="store_true",
            help="Print every listing as a JSON array; a few numbers appear in two lists.",
        )

    def handle(self, *args, filing_number: str, all_listings: bool, **options):
        records = list(listings(filing_number))
        if not records:
            raise CommandError(
                _("%(number)s is in none of the published lists loaded.")
                % {"number": filing_number}
            )
        data = [r.as_dict() for r in records] if all_listings else records[0].as_dict()
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
