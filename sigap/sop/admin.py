from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sigap.sop.models import ClosureDay, SopStep, SopVersion


class SopStepInline(admin.TabularInline):
    model = SopStep
    extra = 0
    fields = ("number", "name", "role", "input", "output", "amount", "unit", "clock", "remarks")

    # A version that complaints or recaps started under is frozen: change standards by copying it.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.in_use())

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.in_use())

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.in_use())


@admin.register(SopVersion)
class SopVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "title", "code", "active", "in_use_display", "created_at")
    list_display_links = ("version", "title")
    fields = ("code", "title", "version", "active", "created_at")
    readonly_fields = ("version", "active", "created_at")
    inlines = [SopStepInline]
    actions = ["copy_as_new_version", "activate"]

    @admin.display(boolean=True, description=_("in use"))
    def in_use_display(self, obj):
        return obj.in_use()

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.in_use():
            return ("code", "title", "version", "active", "created_at")
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # In use: shown read-only; the standards change by "Copy as a new version".
        return super().has_change_permission(request, obj) and not (obj and obj.in_use())

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and (obj.in_use() or obj.active))

    def save_model(self, request, obj, form, change):
        if not change:
            latest = SopVersion.objects.order_by("-version").first()
            obj.version = latest.version + 1 if latest else 1
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Copy as a new version"))
    def copy_as_new_version(self, request, queryset):
        for version in queryset:
            new = version.copy_as_new_version()
            self.message_user(
                request,
                _("Version %(new)s copied from version %(old)s: edit its steps, then activate it.")
                % {"new": new.version, "old": version.version},
                messages.SUCCESS,
            )

    @admin.action(description=_("Activate (new complaints start under it)"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version to activate."), messages.ERROR)
            return
        version = queryset.get()
        missing = sorted({2, 3, 4, 5, 6, 7} - set(version.steps.values_list("number", flat=True)))
        if missing:
            self.message_user(
                request,
                ngettext(
                    "Version %(v)s lacks step %(steps)s.", "Version %(v)s lacks steps %(steps)s.", len(missing)
                ) % {"v": version.version, "steps": ", ".join(map(str, missing))},
                messages.ERROR,
            )
            return
        version.activate()
        self.message_user(request, _("Version %(v)s is now active.") % {"v": version.version}, messages.SUCCESS)


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    date_hierarchy = "date"
    search_fields = ("reason",)
