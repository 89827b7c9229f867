from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("webhooks/", include("sigap.platforms.urls")),
    path("", include("sigap.cases.urls")),
    path("recaps/", include("sigap.recaps.urls")),
]
