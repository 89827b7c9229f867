from django.contrib import admin
from django.utils import timezone

from sigap.recaps.models import Archive, ArchiveFile, RecapSchedule

TIMING = ("frequency", "weekday", "day", "at", "active")


@admin.register(RecapSchedule)
class RecapScheduleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "agency", "platform", "active", "next_run_at", "last_run_at", "last_error")
    list_filter = ("frequency", "active")
    readonly_fields = ("next_run_at", "last_run_at", "last_error")

    def save_model(self, request, obj, form, change):
        # New timing, new next run: computed here so the worker never runs a stale slot.
        if not change or any(name in form.changed_data for name in TIMING):
            obj.next_run_at = obj.slot_after(timezone.now()) if obj.active else None
        super().save_model(request, obj, form, change)


class ArchiveFileInline(admin.TabularInline):
    model = ArchiveFile
    fields = ("format", "file", "size", "sha256", "pruned_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Archive)
class ArchiveAdmin(admin.ModelAdmin):
    """The register is read-only everywhere: entries are written by recap_archive only."""

    list_display = ("sequence", "recap", "scope", "archived_at", "archived_by_name", "reference", "entry_hash")
    inlines = [ArchiveFileInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
