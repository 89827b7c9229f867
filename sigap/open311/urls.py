from django.urls import re_path

from sigap.open311 import views

F = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + F, views.discovery, name="open311-discovery"),
    re_path(r"^services" + F, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[-\w]{1,80})" + F, views.service_definition, name="open311-service"),
    re_path(r"^requests" + F, views.request_list, name="open311-requests"),
    re_path(r"^requests/(?P<service_request_id>[-\w]{1,40})" + F, views.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[-\w]{1,40})" + F, views.token_detail, name="open311-token"),
    re_path(r"^servicerequestupdates" + F, views.update_list, name="open311-updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
