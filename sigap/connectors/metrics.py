"""Connector figures for /metrics (sigap.ops.metrics): what waits, and what needs a person."""

from django.db.models import Count
from django.utils import timezone

from sigap.connectors.models import ForwardLink, WebhookDelivery


def write(w, now=None) -> None:
    now = now or timezone.now()
    forwards = {s: 0 for s in ForwardLink.State.values}
    forwards.update(dict(ForwardLink.objects.values_list("state").annotate(n=Count("pk")).order_by()))
    w.family("sigap_connector_forwards", "Complaints forwarded to other complaint systems, by state.")
    for state, n in forwards.items():
        w.sample("sigap_connector_forwards", n, state=state)
    hooks = {s: 0 for s in WebhookDelivery.Status.values}
    hooks.update(dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    w.family("sigap_connector_webhooks", "Outgoing webhook deliveries by status.")
    for status, n in hooks.items():
        w.sample("sigap_connector_webhooks", n, status=status)

    due = {
        "forward": ForwardLink.objects.filter(state=ForwardLink.State.PENDING, next_attempt_at__lte=now).count(),
        "webhook": WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now).count(),
    }
    w.family("sigap_connector_backlog", "Connector work whose time has come (forwards to send, webhooks to deliver).")
    for kind, n in due.items():
        w.sample("sigap_connector_backlog", n, kind=kind)
    retrying = {
        "forward": ForwardLink.objects.filter(state=ForwardLink.State.PENDING, attempts__gt=0).count(),
        "webhook": WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, attempts__gt=0).count(),
    }
    w.family("sigap_connector_retrying", "Connector work that failed at least once and waits for a retry.")
    for kind, n in retrying.items():
        w.sample("sigap_connector_retrying", n, kind=kind)
    w.family("sigap_connector_failures", "Forwards and webhooks that failed for good and need a person.")
    w.sample("sigap_connector_failures", forwards[ForwardLink.State.FAILED], kind="forward")
    w.sample("sigap_connector_failures", hooks[WebhookDelivery.Status.FAILED], kind="webhook")
