"""Prometheus text exposition (format 0.0.4), computed from the database on each scrape.

Every figure is a gauge read with a handful of GROUP BY queries: no counters kept in memory,
so any number of web processes give the same answer.
https://prometheus.io/docs/instrumenting/exposition_formats/
"""

from django.db.models import Count, Q
from django.utils import timezone

from sigap.cases.models import Complaint, Reply, Status, Step
from sigap.connectors import metrics as connector_metrics
from sigap.ops.models import Heartbeat

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, help_text: str, kind: str = "gauge") -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, metric: str, value, /, **labels) -> None:
        label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        self.lines.append(f"{metric}{{{label_text}}} {value}" if label_text else f"{metric} {value}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _delivery_counts() -> dict[str, int] | None:
    # Webhook deliveries belong to sigap.platforms; absent there, the family is left out.
    try:
        from sigap.platforms.models import Delivery
    except ImportError:
        return None
    counts = {s: 0 for s in Delivery.Status.values}
    counts.update(dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    return counts


def render(now=None) -> str:
    now = now or timezone.now()
    w = _Writer()
    w.family("sigap_up", "1 when the database answered this scrape.")
    w.sample("sigap_up", 1)

    by_status = {s: 0 for s in Status.values}
    by_status.update(dict(Complaint.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    w.family("sigap_complaints", "Complaints by status.")
    for status, n in by_status.items():
        w.sample("sigap_complaints", n, status=status)

    steps = (
        Step.objects.filter(completed_at=None)
        .values("number")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by("number")
    )
    per_step = {n: (0, 0) for n in range(2, 8)}
    per_step.update({row["number"]: (row["open"], row["overdue"]) for row in steps})
    w.family("sigap_steps_open", "Open SOP step clocks by step number.")
    for number, (open_n, _overdue) in sorted(per_step.items()):
        w.sample("sigap_steps_open", open_n, step=number)
    w.family("sigap_steps_overdue", "Open SOP step clocks past their standard time, by step number.")
    for number, (_open, overdue_n) in sorted(per_step.items()):
        w.sample("sigap_steps_overdue", overdue_n, step=number)

    replies = {s: 0 for s in Reply.Status.values}
    replies.update(dict(Reply.objects.values_list("status").annotate(n=Count("pk")).order_by()))
    w.family("sigap_replies", "Outbox replies by status (pending is the backlog).")
    for status, n in replies.items():
        w.sample("sigap_replies", n, status=status)
    w.family("sigap_reply_failures", "Replies that need a person: failed, or interrupted while sending.")
    w.sample("sigap_reply_failures", replies[Reply.Status.FAILED] + replies[Reply.Status.UNCERTAIN])
    retrying = Reply.objects.filter(status=Reply.Status.PENDING, attempts__gt=0).count()
    w.family("sigap_replies_retrying", "Pending replies that failed at least once and wait for a retry.")
    w.sample("sigap_replies_retrying", retrying)
    due = Reply.objects.due(now).count()
    w.family("sigap_replies_due", "Pending replies whose send time has come.")
    w.sample("sigap_replies_due", due)

    deliveries = _delivery_counts()
    if deliveries is not None:
        w.family("sigap_webhook_deliveries", "Stored webhook deliveries by status (pending: not read yet).")
        for status, n in deliveries.items():
            w.sample("sigap_webhook_deliveries", n, status=status)

    connector_metrics.write(w, now)

    beats = list(Heartbeat.objects.all())
    w.family("sigap_worker_last_beat_timestamp_seconds", "Unix time of each background loop's last heartbeat.")
    for hb in beats:
        w.sample("sigap_worker_last_beat_timestamp_seconds", int(hb.beat_at.timestamp()), name=hb.name)
    w.family("sigap_worker_beat_age_seconds", "Seconds since each background loop's last heartbeat.")
    for hb in beats:
        w.sample("sigap_worker_beat_age_seconds", max(0, int((now - hb.beat_at).total_seconds())), name=hb.name)
    return w.text()
