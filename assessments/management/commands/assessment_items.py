import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.catalogue import ensure_loaded
from assessments.selectors import assessment_status
from filings.models import Algorithm
from workspaces.models import Workspace


class Command(BaseCommand):
    help = gettext_lazy(
        "List the self-assessment items that apply to an algorithm, with their answer status."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help=gettext_lazy("Workspace short name."))
        parser.add_argument("--algorithm", required=True, help=gettext_lazy("Algorithm name."))
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help=gettext_lazy("Print a JSON list of {id, area, status, basis, provisional}."),
        )

    def handle(self, *args, slug: str, algorithm: str, as_json: bool, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(_("No workspace with short name “%(slug)s”.") % {"slug": slug})
        matches = list(Algorithm.objects.filter(workspace=workspace, name=algorithm)[:2])
        if not matches:
            raise CommandError(
                _("Workspace “%(slug)s” has no algorithm named “%(name)s”.")
                % {"slug": slug, "name": algorithm}
            )
        if len(matches) > 1:
            raise CommandError(
                _("Several providers in “%(slug)s” have an algorithm named “%(name)s”.")
                % {"slug": slug, "name": algorithm}
            )
        ensure_loaded()
        status = assessment_status(matches[0])
        rows = [
            {
                "id": row.item_id,
                "area": row.area,
                "status": row.status,
                "basis": row.item.basis,
                "provisional": row.provisional,
            }
            for row in status.rows
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        # 待确认: brought in by a screening question of a product left unanswered.
        to_confirm = _("to be confirmed")
        for row in rows:
            line = f"{row['id']:<44} {row['area']:<20} {row['status'] or '—':<15} {_basis_text(row['basis'])}"
            self.stdout.write(f"{line}  [{to_confirm}]" if row["provisional"] else line)
        if any(row["provisional"] for row in rows):
            self.stdout.write("")
            self.stdout.write(
                _(
                    "[%(mark)s]: a screening question of a product is unanswered; the item "
                    "applies until it is answered “no”."
                )
                % {"mark": to_confirm}
            )
        if status.inactive:
            self.stdout.write("")
            self.stdout.write(_("Answers to items that no longer apply (kept, inactive):"))
            for row in status.inactive:
                self.stdout.write(f"{row.item_id:<44} {row.area or '—':<20} {row.status or '—'}")


def _basis_text(basis: list[dict]) -> str:
    return "; ".join(
        f"{ref['regulation']} {_('Art.')} {ref['article']}"
        if "article" in ref
        else f"{ref['regulation']} {ref['clause']}"
        for ref in basis
    )
