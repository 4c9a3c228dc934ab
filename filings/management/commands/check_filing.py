import json
import sys

from django.core.management.base import BaseCommand, CommandError

from filings.checks import ERROR, has_errors
from filings.figures import workspace_problems
from workspaces.models import Workspace


def _where(document: dict, pointer: str) -> str:
    """Names of the provider, service or algorithm a pointer is in, for readers."""
    names = []
    node, previous = document, None
    for part in pointer.split("/")[1:]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            if previous in ("providers", "services", "algorithms") and node.get("name"):
                names.append(node["name"])
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            break
        previous = part
    return " › ".join(names)


class Command(BaseCommand):
    help = (
        "Check a workspace's filings as the CAC does: list every problem with its JSON Pointer. "
        "Reads the problems stored with each algorithm (filings.figures), computing those "
        "not stored yet or out of date; --fresh recomputes and stores all of them. "
        "Exits with status 1 when any error remains (warnings alone: 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--algorithm",
            metavar="NAME",
            help="Only the problems that concern this algorithm (with its provider and products).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print a JSON list of {code, severity, pointer, message, blocks}.",
        )
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Run the checks of every algorithm now and store the results.",
        )

    def handle(self, *args, slug: str, algorithm: str | None, as_json: bool, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        try:
            outline, problems = workspace_problems(
                workspace, name=algorithm, fresh=options.get("fresh", False)
            )
        except LookupError:
            raise CommandError(f"No algorithm named {algorithm!r} in workspace {slug!r}.") from None
        if as_json:
            self._write_json(problems)
        else:
            self._write_listing(outline, problems)
        if has_errors(problems):
            sys.exit(1)

    def _write_json(self, problems) -> None:
        self.stdout.write(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))

    def _write_listing(self, outline: dict, problems) -> None:
        for p in problems:
            style = self.style.ERROR if p.severity == ERROR else self.style.WARNING
            where = _where(outline, p.pointer)
            blocks = f"  (blocks {p.blocks})" if p.severity == ERROR else ""
            self.stdout.write(f"{style(p.severity.upper())} {p.pointer}  [{p.code}]{blocks}")
            if where:
                self.stdout.write(f"    {where}")
            self.stdout.write(f"    {p.message}")
        errors = sum(p.severity == ERROR for p in problems)
        summary = f"{errors} error(s), {len(problems) - errors} warning(s)."
        self.stdout.write(self.style.ERROR(summary) if errors else self.style.SUCCESS(summary))
