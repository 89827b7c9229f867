from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.people.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Sigap"), {"fields": ("role", "agency")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Sigap"), {"fields": ("role", "agency")}),)
    list_display = ("username", "first_name", "last_name", "role", "agency", "two_factor", "is_active")
    list_filter = ("role", "agency", "is_active")

    def get_queryset(self, request):
        devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(devices))

    @admin.display(boolean=True, description=_("two-step verification"), ordering="has_two_factor")
    def two_factor(self, obj) -> bool:
        return obj.has_two_factor


# django-otp's own admin shows each device's QR code, i.e. its secret, to every administrator.
# Ours only lists them; deleting one resets that person's two-step verification.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
