"""The outbox seen from the desk: which replies wait, for which city account, and why.

A platform that is down, throttling or refusing an expired token holds back every reply of that
account (sigap.cases.outbox); the home page says so in one line per account, with the reason the
platform gave and the next try, and counts the replies that need a person (failed, or interrupted
while sending).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from sigap.cases.models import OPEN_STATUSES, Reply
from sigap.platforms.models import Account, PlatformName


@dataclass
class Waiting:
    platform: str
    account: str
    count: int
    reason: str
    next_try: datetime
    oldest: datetime


@dataclass
class Backlog:
    waiting: list[Waiting]
    need_a_person: int  # failed or interrupted replies of complaints still open

    def __bool__(self) -> bool:
        return bool(self.waiting or self.need_a_person)


def backlog() -> Backlog:
    pending = Reply.objects.filter(status=Reply.Status.PENDING)
    rows = (
        pending.values("account_id", "platform")
        .annotate(n=Count("pk"), failing=Count("pk", filter=~Q(last_error="")), next_try=Min("send_after"),
                  oldest=Min("created_at"))
        .filter(failing__gt=0)
        .order_by("oldest")
    )  # fmt: skip
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=[r["account_id"] for r in rows if r["account_id"]])}
    labels = dict(PlatformName.choices)
    waiting = []
    for row in rows:
        account = accounts.get(row["account_id"])
        # The reason of the reply that has been tried most: the one probing for the platform's return.
        reason = (account.last_error if account else "") or (
            pending.filter(account_id=row["account_id"], platform=row["platform"])
            .exclude(last_error="")
            .order_by("-attempts", "pk")
            .values_list("last_error", flat=True)
            .first()
        )
        waiting.append(
            Waiting(
                platform=str(labels.get(row["platform"], row["platform"])),
                account=account.name if account else "",
                count=row["n"],
                reason=reason or "",
                next_try=max(row["next_try"], timezone.now()),
                oldest=row["oldest"],
            )
        )
    stuck = Reply.objects.filter(
        status__in=[Reply.Status.FAILED, Reply.Status.UNCERTAIN], complaint__status__in=OPEN_STATUSES
    ).count()
    return Backlog(waiting=waiting, need_a_person=stuck)
