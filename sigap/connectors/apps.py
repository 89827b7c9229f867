from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "sigap.connectors"
    verbose_name = _("Connectors")

    def ready(self) -> None:
        from sigap.connectors import checks  # noqa: F401  (registers the deploy checks)
