from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo workspace (`manage.py load_demo`): on top of every other app,
    so that it may use them all and none of them depends on it."""

    name = "demo"
    verbose_name = _("Demo")
