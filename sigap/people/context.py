from sigap.people.models import Role


def staff(request):
    """What every staff page's menu needs: the user's role and unread notifications."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from sigap.cases.models import Notification

    return {"Role": Role, "unread_notifications": Notification.objects.for_user(user).filter(read_at=None).count()}
