from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from filings import threads

        from . import notifications, selectors

        notifications.connect()
        # The wizard and the algorithm page show open threads beside their
        # fields through filings.threads (filings never imports this app).
        threads.register(selectors.open_threads)
