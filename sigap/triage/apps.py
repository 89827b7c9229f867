from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "sigap.triage"

    def ready(self):
        from sigap.agencies.models import Agency, Category
        from sigap.lib import memo

        # The keyword rules name categories and their usual agencies.
        memo.forget_on_change("triage.keyword_rules", Category, Agency)
        memo.forget_on_change("triage.routing_targets", Category, Agency)
