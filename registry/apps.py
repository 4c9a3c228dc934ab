from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Published filing lists")

    def ready(self) -> None:
        # The checks and the wizard look third-party filing numbers up in the
        # published lists through filings' hook (filings never imports this app).
        from filings.services import register_registry_lookup

        from .lookup import describe_third_party_number

        register_registry_lookup(describe_third_party_number)
