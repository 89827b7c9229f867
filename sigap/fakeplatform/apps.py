from django.apps import AppConfig


class FakePlatformConfig(AppConfig):
    name = "sigap.fakeplatform"
    label = "fakeplatform"
    verbose_name = "Fake platform (demos and tests)"
