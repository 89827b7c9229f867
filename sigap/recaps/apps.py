from django.apps import AppConfig


class RecapsConfig(AppConfig):
    name = "sigap.recaps"
