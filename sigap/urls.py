from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Sigap administration")
admin.site.site_title = _("Sigap administration")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sigap.people.urls")),  # login (throttled, two-step), before the admin's own login
    path("admin/", admin.site.urls),
    path("webhooks/", include("sigap.platforms.urls")),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("sigap.cases.urls")),
    path("rekap/", include("sigap.recaps.urls")),
    path("laporan/", include("sigap.recaps.report_urls")),
]
urlpatterns += [
    path("lacak/", include("sigap.public.urls")),
    path("api/v1/", include("sigap.api.urls")),
    path("open311/v2/", include("sigap.open311.urls")),
    path("", include("sigap.ops.urls")),
    path("triase/", include("sigap.triage.urls")),
]
