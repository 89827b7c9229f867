from django.urls import path

from sigap.recaps import views

urlpatterns = [
    path("", views.recaps, name="recaps"),
    path("baru/", views.recap_create, name="recap-create"),
    path("<int:pk>/", views.recap, name="recap"),
    path("<int:pk>/arsip/", views.recap_archive, name="recap-archive"),
]
