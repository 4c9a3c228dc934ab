from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Self-assessments")

    def ready(self) -> None:
        # The self-assessment joins what filings reads through its registries
        # (filings never imports this app): its part of the interchange
        # document, its checks, its wizard panels, the models whose changes
        # make a new version, and the catalogue the checks and citations read.
        from . import hooks

        hooks.register()
