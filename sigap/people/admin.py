from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from sigap.people.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Sigap"), {"fields": ("role", "agency")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Sigap"), {"fields": ("role", "agency")}),)
    list_display = ("username", "first_name", "last_name", "role", "agency", "is_active")
    list_filter = ("role", "agency", "is_active")
