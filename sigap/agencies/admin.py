from django.contrib import admin

from sigap.agencies.models import Agency, Category, Kelurahan


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "abbreviation", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "abbreviation")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "usual_agency", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(Kelurahan)
class KelurahanAdmin(admin.ModelAdmin):
    list_display = ("name", "kecamatan")
    list_filter = ("kecamatan",)
    search_fields = ("name", "kecamatan")
