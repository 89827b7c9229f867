from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "sigap.agencies"
