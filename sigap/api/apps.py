from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sigap.api"
    verbose_name = "REST API"
