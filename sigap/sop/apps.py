from django.apps import AppConfig


class SopConfig(AppConfig):
    name = "sigap.sop"

    def ready(self):
        from sigap.lib import memo
        from sigap.sop.models import ClosureDay, SopStep, SopVersion

        memo.forget_on_change("sop.current", SopVersion, SopStep)
        memo.forget_on_change("sop.closure_days", ClosureDay)
