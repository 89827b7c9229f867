from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.connectors.models import Connector, ForwardLink, RemoteUpdate, WebhookDelivery


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "url", "active", "backlog", "failures", "last_error")
    list_filter = ("kind", "active")
    search_fields = ("name", "url")
    filter_horizontal = ("agencies",)
    readonly_fields = ("actor", "next_poll_at", "updates_since", "last_error", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "kind", "active", "url", "timeout")}),
        (
            _("Secret: the Open311 api_key or the webhook signing secret (never stored here: only where to read it)"),
            {"fields": ("secret_env", "secret_file")},
        ),
        (
            _("Open311"),
            {
                "fields": (
                    "jurisdiction_id", "service_codes", "default_service_code", "agencies", "share_full_text",
                    "include_confidential", "auto_approve", "poll_interval", "use_updates",
                )
            },
        ),
        (_("Webhook"), {"fields": ("event_kinds",)}),
        (_("Status"), {"fields": ("actor", "next_poll_at", "updates_since", "last_error", "created_at")}),
    )

    @admin.display(description=_("waiting"))
    def backlog(self, obj):
        if obj.kind == Connector.Kind.WEBHOOK:
            return obj.deliveries.filter(status=WebhookDelivery.Status.PENDING).count()
        return obj.links.filter(state__in=[ForwardLink.State.PENDING, ForwardLink.State.SENT]).count()

    @admin.display(description=_("failed"))
    def failures(self, obj):
        if obj.kind == Connector.Kind.WEBHOOK:
            return obj.deliveries.filter(status=WebhookDelivery.Status.FAILED).count()
        return obj.links.filter(state=ForwardLink.State.FAILED).count()


class RemoteUpdateInline(admin.TabularInline):
    model = RemoteUpdate
    fields = ("at", "update_id", "status", "description", "applied")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ForwardLink)
class ForwardLinkAdmin(admin.ModelAdmin):
    list_display = ("complaint", "connector", "round", "state", "remote_id", "remote_status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state", "connector")
    search_fields = ("complaint__tracking_number", "remote_id", "token")
    fields = (
        "complaint", "connector", "round", "state", "remote_id", "token", "remote_status", "attempts", "next_attempt_at",
        "last_error", "created_at", "sent_at", "answered_at",
    )
    readonly_fields = fields
    inlines = [RemoteUpdateInline]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry now"))
    def retry(self, request, queryset):
        """Failed or skipped: sent again, or (if the other system has it) checked again for the answer."""
        now = timezone.now()
        retryable = [ForwardLink.State.FAILED, ForwardLink.State.SKIPPED, ForwardLink.State.PENDING]
        again = queryset.filter(state__in=retryable)
        sent = again.exclude(remote_id="", token="").update(state=ForwardLink.State.SENT, last_error="")
        pending = again.filter(remote_id="", token="").update(
            state=ForwardLink.State.PENDING, next_attempt_at=now, attempts=0, last_error=""
        )
        Connector.objects.filter(links__in=queryset).update(next_poll_at=now)
        messages.info(request, _("%(n)s to send again, %(m)s to check again.") % {"n": pending, "m": sent})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "connector", "event_kind", "complaint", "status", "attempts", "response_status", "next_attempt_at", "last_error")
    list_filter = ("status", "connector", "event_kind")
    search_fields = ("complaint__tracking_number",)
    fields = (
        "connector", "event", "event_kind", "complaint", "status", "attempts", "next_attempt_at", "response_status",
        "last_error", "created_at", "delivered_at", "body",
    )
    readonly_fields = fields
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry now"))
    def retry(self, request, queryset):
        n = queryset.filter(status=WebhookDelivery.Status.FAILED).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0, last_error=""
        )
        messages.info(request, _("%(n)s to send again.") % {"n": n})
