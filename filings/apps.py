from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Filings")

    def ready(self) -> None:
        from . import activity, figures, versions

        activity.connect()  # the feed records the workspaces app's events
        versions.connect()
        figures.connect()  # after versions: a commit records the versions first
