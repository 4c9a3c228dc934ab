from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Workspaces")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remember_language, dispatch_uid="workspaces-login-language")


def _remember_language(sender, request, user, **kwargs) -> None:
    """At login, the language of the request (LocaleMiddleware's) is the one the
    person uses now. A login without a request's language (a test's
    force_login, a script) leaves it as it was."""
    language = getattr(request, "LANGUAGE_CODE", None) if request is not None else None
    if language:
        from .services import language_remember

        language_remember(user=user, language=language)
