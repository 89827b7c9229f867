from sigap.people.models import Role

# A menu badge counts at most this many, then reads "99+": past that the exact number helps
# nobody, and counting every unread notice there ever was grows with every overdue step.
BADGE_MAX = 99


def badge_count(queryset) -> int | str:
    """How many rows, or "99+": the COUNT reads at most BADGE_MAX + 1 index entries."""
    n = queryset[: BADGE_MAX + 1].count()
    return f"{BADGE_MAX}+" if n > BADGE_MAX else n


def staff(request):
    """What every staff page's menu needs: the user's role and unread notifications."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from sigap.cases.models import Notification

    unread = Notification.objects.for_user(user).filter(read_at=None).order_by()  # index notification_unread
    return {"Role": Role, "unread_notifications": badge_count(unread)}
