"""Report pages (sigap.recaps.report_views), included under /laporan/."""

from django.urls import path

from sigap.recaps import report_views as views

urlpatterns = [
    path("", views.dashboard, name="report-dashboard"),
    path("unduh.<str:fmt>", views.download, name="report-download"),
    path("rekap/<int:pk>/", views.recap_report, name="report-recap"),
    path("rekap/<int:pk>/unduh.<str:fmt>", views.recap_file, name="report-recap-file"),
    path("arsip/", views.archive_list, name="report-archive"),
    path("arsip/<int:pk>/<str:fmt>", views.archive_file, name="report-archive-file"),
]
