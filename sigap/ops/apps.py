from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "sigap.ops"
    verbose_name = "Operations"
