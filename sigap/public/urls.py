from django.urls import path

from sigap.public import views

urlpatterns = [
    path("", views.track, name="track"),
    path("<str:nomor>", views.track_detail, name="track-detail"),
    path("<str:nomor>/nilai", views.track_rate, name="track-rate"),
    path("<str:nomor>/buka-kembali", views.track_reopen, name="track-reopen"),
]
