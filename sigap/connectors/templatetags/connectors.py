"""The complaint page's forwarding box (connectors/_forward_box.html), without the cases views knowing."""

from django import template
from django.db import connection

from sigap.connectors.models import ForwardLink, WebhookDelivery

register = template.Library()


@register.simple_tag
def forward_state(complaint) -> dict:
    # Most complaints were never forwarded to another system: one plain query says so, and the
    # joined reads (a few milliseconds of the ORM's compiling) run only for those that were.
    has_links, has_failures = _has_links_or_failures(complaint.pk)
    links, failed = [], []
    if has_links:
        links = list(complaint.forward_links.select_related("connector").prefetch_related("updates").order_by("-round", "pk"))
    if has_failures:
        failed = WebhookDelivery.objects.filter(complaint=complaint, status=WebhookDelivery.Status.FAILED)
        failed = list(failed.select_related("connector").order_by("-pk")[:5])
    return {"links": links, "failed_webhooks": failed}


def _has_links_or_failures(complaint_id: int) -> tuple[bool, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {ForwardLink._meta.db_table} WHERE complaint_id = %s), "
            f"EXISTS (SELECT 1 FROM {WebhookDelivery._meta.db_table} WHERE complaint_id = %s AND status = %s)",
            [complaint_id, complaint_id, WebhookDelivery.Status.FAILED],
        )
        has_links, has_failures = cursor.fetchone()
    return bool(has_links), bool(has_failures)
