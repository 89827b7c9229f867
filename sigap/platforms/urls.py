from django.urls import path

from sigap.platforms import views

urlpatterns = [
    path(endpoint, views.webhook, {"endpoint": endpoint}, name=f"webhook-{endpoint}")
    for endpoint in views.VERIFIERS
]
