"""Render one document of an algorithm synchronously, for scripts and checks.

    manage.py render_filing demo --algorithm 示例新闻个性化推荐算法 --document report --out report.pdf

Same code as the worker: the snapshot of the data now, `gather` for the
catalogue context, then the pure `render`. Nothing is stored in the
database; the file is written atomically (a temporary file renamed).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from documents.models import DocumentKind
from documents.render import render
from documents.services import prepare
from filings.models import Algorithm
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Render a filing document (form, report, disclosure, responsibility or package) to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's short name.")
        parser.add_argument("--algorithm", required=True, help="The algorithm's name.")
        parser.add_argument(
            "--document", required=True, choices=[kind.value for kind in DocumentKind]
        )
        parser.add_argument("--out", required=True, type=Path, help="The PDF file to write.")
        parser.add_argument(
            "--bilingual", action="store_true", help="Add English labels beside the headings."
        )

    def handle(self, *args, slug, algorithm, document, out, bilingual, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace “{slug}”.")
        matches = list(
            Algorithm.objects.in_workspace(workspace)
            .filter(name=algorithm)
            .select_related("provider")
        )
        if not matches:
            names = ", ".join(
                Algorithm.objects.in_workspace(workspace)
                .exclude(name="")
                .values_list("name", flat=True)
            )
            raise CommandError(f"No algorithm “{algorithm}” in {slug}; it has: {names or '—'}.")
        if len(matches) > 1:
            providers = ", ".join(a.provider.name for a in matches)
            raise CommandError(f"“{algorithm}” names {len(matches)} algorithms (of {providers}).")
        started = time.perf_counter()
        prepared = prepare(matches[0], bilingual=bilingual)
        data = render(
            prepared.snapshot,
            document,
            context=prepared.context,
            fetcher=prepared.fetcher(matches[0].workspace_id),
        )
        out = Path(out).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"{out}: {len(data):,} bytes, snapshot {prepared.snapshot_hash[:12]}, "
            f"version v{prepared.context['version']}, {time.perf_counter() - started:.2f} s"
        )
