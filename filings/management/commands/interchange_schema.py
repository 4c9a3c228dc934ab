import json
from pathlib import Path

from django.core.management.base import BaseCommand

from filings.interchange import json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "workspace-1.schema.json"


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = (
        "Write the JSON Schema of the interchange format to filings/schema/workspace-1.schema.json."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Exit 1 when the committed file is out of date."
        )

    def handle(self, *args, check: bool, **options):
        text = schema_text()
        if check:
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
                self.stderr.write(f"{SCHEMA_FILE} is out of date: run manage.py interchange_schema")
                raise SystemExit(1)
            return
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE}")
