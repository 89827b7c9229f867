from django.urls import path

from sigap.triage import views

urlpatterns = [
    path("", views.queue, name="triage"),
    path("pesan/<int:pk>/putuskan/", views.message_decide, name="triage-decide"),
    path("pesan/<int:pk>/jawab/", views.question_answer, name="triage-answer"),
    path("pesan/<int:pk>/tutup/", views.question_close, name="triage-close"),
    path("aduan/<int:pk>/rute/konfirmasi/", views.routing_confirm, name="routing-confirm"),
    path("aduan/<int:pk>/rute/koreksi/", views.routing_correct, name="routing-correct"),
    path("duplikat/<int:pk>/gabung/", views.duplicate_decide, {"choice": "merge"}, name="duplicate-merge"),
    path("duplikat/<int:pk>/pisah/", views.duplicate_decide, {"choice": "keep"}, name="duplicate-keep"),
]
