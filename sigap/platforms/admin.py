from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sigap.platforms.models import Account, Delivery


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "platform", "handle", "external_id", "active", "poll_interval", "last_error")
    list_filter = ("platform", "active")
    search_fields = ("name", "handle", "external_id")
    readonly_fields = ("last_error",)
    fieldsets = (
        (None, {"fields": ("platform", "name", "handle", "external_id", "active", "poll_interval")}),
        (_("Access token (never stored here: only where to read it)"), {"fields": ("token_env", "token_file")}),
        (_("Status"), {"fields": ("last_error",)}),
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Raw webhook deliveries, for looking into one the worker could not read."""

    list_display = ("pk", "endpoint", "status", "received_at", "processed_at", "error")
    list_filter = ("status", "endpoint")
    fields = ("endpoint", "status", "received_at", "processed_at", "error", "body_text")
    readonly_fields = fields
    actions = ["read_again"]

    @admin.action(description=_("Read the selected unreadable deliveries again"))
    def read_again(self, request, queryset):
        # A redelivered event never makes a second message, so reading one again is safe.
        count = queryset.filter(status=Delivery.Status.UNREADABLE).update(status=Delivery.Status.PENDING, error="")
        self.message_user(request, _("%(count)d deliveries will be read again.") % {"count": count})

    @admin.display(description=_("body"))
    def body_text(self, obj):
        return bytes(obj.body)[:20000].decode("utf-8", "replace")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
