"""Reply templates are edited here; decisions are only read (they change through the staff pages).

Routing keywords are edited on each category (Settings → Categories → keywords).
"""

from django.contrib import admin

from sigap.triage.models import Decision, DuplicateLink, ReplyTemplate, RoutingDecision, RoutingSuggestion


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "language", "active")
    list_filter = ("kind", "language", "active")
    search_fields = ("name", "keywords", "text")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("at", "message", "label", "confidence", "final", "outcome", "by")
    list_filter = ("label", "final", "outcome")
    date_hierarchy = "at"
    list_select_related = ("message", "by")


@admin.register(RoutingSuggestion)
class RoutingSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "mode", "created_at")
    list_filter = ("mode",)


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ("at", "complaint", "kind", "suggested_agency", "agency", "by")
    list_filter = ("kind",)


@admin.register(DuplicateLink)
class DuplicateLinkAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "other", "score", "state", "decided_by", "decided_at")
    list_filter = ("state",)
