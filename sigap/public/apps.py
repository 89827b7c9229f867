from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "sigap.public"
    verbose_name = "Public tracking"
