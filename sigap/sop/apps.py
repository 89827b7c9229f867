from django.apps import AppConfig


class SopConfig(AppConfig):
    name = "sigap.sop"
