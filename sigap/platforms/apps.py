from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "sigap.platforms"

    def ready(self) -> None:
        from sigap.platforms import checks  # noqa: F401  (registers the deploy checks)
