"""The complaint page's forwarding box (connectors/_forward_box.html), without the cases views knowing."""

from django import template

from sigap.connectors.models import WebhookDelivery

register = template.Library()


@register.simple_tag
def forward_state(complaint) -> dict:
    links = list(complaint.forward_links.select_related("connector").prefetch_related("updates").order_by("-round", "pk"))
    failed = WebhookDelivery.objects.filter(complaint=complaint, status=WebhookDelivery.Status.FAILED).select_related("connector")
    return {"links": links, "failed_webhooks": list(failed.order_by("-pk")[:5])}
