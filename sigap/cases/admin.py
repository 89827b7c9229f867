"""Complaints are read here and changed only through the staff pages (sigap.cases.actions).

The admin may correct the descriptive fields; status, steps and events never change here.
"""

from django.contrib import admin

from sigap.cases.models import Attachment, Complaint, Event, Notification, Reply, Step


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StepInline(ReadOnlyInline):
    model = Step
    fk_name = "complaint"
    fields = ("number", "round", "role", "started_at", "due_at", "completed_at", "completed_by", "on_time", "outcome")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("name", "url", "file", "content_type", "size", "sha256")
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("tracking_number", "status", "platform", "agency", "posted_at", "received_at")
    list_filter = ("status", "platform", "agency", "confidential", "anonymous")
    search_fields = ("tracking_number", "text", "complainant_handle", "complainant_name")
    date_hierarchy = "received_at"
    list_select_related = ("agency",)
    # Corrections only: what the complaint is about and who to contact.
    editable = ("complainant_name", "contact", "category", "kelurahan")
    fields = (
        "tracking_number", "status", "round", "sop", "platform", "account", "complainant_id", "complainant_handle",
        "complainant_name", "contact", "text", "permalink", "posted_at", "received_at", "category", "agency",
        "kelurahan", "confidential", "anonymous", "merged_into", "created_by", "closed_at",
    )
    inlines = [StepInline, AttachmentInline]

    def get_readonly_fields(self, request, obj=None):
        return [f for f in self.fields if f not in self.editable]

    def has_add_permission(self, request):
        return False  # complaints enter through the Form Aduan Media Sosial or a channel

    def has_delete_permission(self, request, obj=None):
        return False  # the audit trail refers to them


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "complaint", "recap", "actor_name")
    list_filter = ("kind",)
    search_fields = ("complaint__tracking_number", "actor_name")
    date_hierarchy = "at"
    list_select_related = ("complaint", "recap")
    fields = ("at", "kind", "complaint", "recap", "actor", "actor_name", "data")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    """The outbox, to look into replies that failed or were interrupted."""

    list_display = ("pk", "complaint", "kind", "platform", "status", "attempts", "send_after", "last_error")
    list_filter = ("status", "kind", "platform")
    search_fields = ("complaint__tracking_number",)
    list_select_related = ("complaint",)
    readonly_fields = [f.name for f in Reply._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at", "emailed_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    readonly_fields = ("user", "step", "kind", "text", "link", "created_at", "read_at", "emailed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.empty_value_display = "–"
