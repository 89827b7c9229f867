from django.urls import path

from sigap.cases import views

urlpatterns = [
    path("", views.home, name="home"),
    path("aduan/", views.complaints, name="complaints"),
    path("aduan/baru/", views.receive, name="receive"),
    path("aduan/<int:pk>/", views.complaint, name="complaint"),
    path("aduan/<int:pk>/lampiran/<int:attachment_pk>/", views.complaint_attachment, name="complaint-attachment"),
    path("aduan/<int:pk>/<slug:action>/", views.complaint_action, name="complaint-action"),
    path("terlambat/", views.overdue, name="overdue"),
    path("notifikasi/", views.notifications, name="notifications"),
]
