"""Login throttling: failed passwords and failed second-step codes, counted in sigap.ops.ratelimit.

Passwords are counted per username and client address, so that an attacker elsewhere cannot lock
a clerk out of the office, and per address over all usernames, against trying one common password
on many accounts. Codes are counted per person, wherever they come from: whoever reaches that
step already has the password. The counters are sigap.ops.ratelimit's fixed windows; the moment a
limit is reached is written to the audit log once, not on every refused try.
"""

import logging

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sigap.ops import ratelimit

logger = logging.getLogger("sigap.security")


def _rate(setting: str) -> ratelimit.Rate:
    return ratelimit.Rate.parse(getattr(settings, setting))


def _user_key(request, username: str) -> str:
    return f"{username.casefold()}|{ratelimit.client_ip(request)}"


def login_wait(request, username: str) -> int:
    """Seconds before this username may try again from this address; 0 if it may now."""
    return max(
        ratelimit.peek("login", _user_key(request, username), _rate("SIGAP_LOGIN_RATE_LIMIT")),
        ratelimit.peek("login-ip", ratelimit.client_ip(request), _rate("SIGAP_LOGIN_IP_RATE_LIMIT")),
    )


def login_failed(request, username: str) -> int:
    """Count a wrong password; if that reached a limit, log it and return the wait."""
    ratelimit.hit("login", _user_key(request, username), _rate("SIGAP_LOGIN_RATE_LIMIT"))
    ratelimit.hit("login-ip", ratelimit.client_ip(request), _rate("SIGAP_LOGIN_IP_RATE_LIMIT"))
    wait = login_wait(request, username)
    if wait:
        _record_lock(request, "login_locked", username=username, wait=wait)
    return wait


def code_wait(user) -> int:
    return ratelimit.peek("login-code", str(user.pk), _rate("SIGAP_LOGIN_CODE_RATE_LIMIT"))


def code_failed(request, user) -> int:
    ratelimit.hit("login-code", str(user.pk), _rate("SIGAP_LOGIN_CODE_RATE_LIMIT"))
    wait = code_wait(user)
    if wait:
        _record_lock(request, "login_code_locked", username=user.get_username(), wait=wait, user=user)
    return wait


def wait_message(seconds: int) -> str:
    if seconds >= 60:
        minutes = -(-seconds // 60)
        duration = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    else:
        duration = ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    return _("Too many failed attempts to log in. For your account's safety, wait %(duration)s and try again.") % {
        "duration": duration
    }


def _record_lock(request, kind: str, *, username: str, wait: int, user=None) -> None:
    from sigap.cases.actions import record_event
    from sigap.people.models import User

    ip = ratelimit.client_ip(request)
    logger.warning("%s: username=%r address=%s wait=%ss", kind, username, ip, wait)
    if user is None:
        user = User.objects.filter(username=username).first()
    # The event names the person whose account was tried (if it exists), not who tried it.
    record_event(kind, by=user, username=username[:150], address=ip, wait_seconds=wait)
