"""Two-step verification: an authenticator app (TOTP, RFC 6238) plus one-time recovery codes.

The TOTP device is django-otp's: it keeps the key, accepts one step of clock drift either way,
refuses a code already used (last_t) and slows down repeated failures on its own. Recovery codes
are ours, because django-otp's static tokens are stored in clear; here only a hash is kept.

The login itself (sigap.people.views) checks the password first and, for an enrolled person,
keeps a *pending* login in the session until the code is right.
"""

import hashlib
import secrets
import time
from base64 import b32encode

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sigap.people.models import RecoveryCode

RECOVERY_CODES = 10
# Ten characters from an alphabet without look-alikes (0/o, 1/l/i): 49 bits, read off paper.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_RECOVERY_LENGTH = 10

# Session keys. VERIFIED: this session passed the second step. ENROLLED: the person has a device
# (cached so that the administrators' check costs no query per page). PENDING: password accepted,
# code not yet.
VERIFIED = "sigap_2fa_verified"
ENROLLED = "sigap_2fa_enrolled"
PENDING = "sigap_2fa_pending"
PENDING_SECONDS = 300


def device(user) -> TOTPDevice | None:
    """The person's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def required(user) -> bool:
    from django.conf import settings

    return settings.SIGAP_ADMIN_2FA and user.is_admin


def unconfirmed_device(user) -> TOTPDevice:
    """The device being set up: the same key on every visit until it is confirmed."""
    found = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return found or TOTPDevice.objects.create(user=user, name="Sigap", confirmed=False)


def manual_key(dev: TOTPDevice) -> str:
    """The key as the apps ask for it when typed: base32, in groups of four."""
    key = b32encode(dev.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(dev: TOTPDevice, title: str) -> str:
    """The otpauth:// link as an inline SVG QR code (no inline style, so the page's CSP holds)."""
    # A white background: a transparent one does not scan on a dark-themed page.
    return segno.make(dev.config_url, error="m").svg_inline(scale=5, border=4, light="#fff", title=title, omitsize=True)


def _clean(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def check_totp(dev: TOTPDevice, code: str) -> bool:
    code = _clean(code)
    return len(code) == dev.digits and code.isdigit() and dev.verify_token(code)


def device_wait(dev: TOTPDevice | None) -> int:
    """Seconds django-otp's own back-off still refuses this device (after repeated failures)."""
    if dev is None:
        return 0
    allowed, data = dev.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    return max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)


@transaction.atomic
def confirm(user, dev: TOTPDevice, code: str) -> list[str] | None:
    """Finish setting up: the first right code confirms the device; returns new recovery codes."""
    # No back-off while setting up: the person already sees the key, so there is nothing to guess,
    # and a typo followed at once by the right code must work.
    dev.throttle_reset(commit=False)
    if not check_totp(dev, code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=dev.pk).delete()
    dev.confirmed = True
    dev.save(update_fields=["confirmed"])
    _record("two_factor_enabled", user, user)
    return _new_recovery_codes(user)


@transaction.atomic
def renew_recovery_codes(user) -> list[str]:
    _record("recovery_codes_renewed", user, user)
    return _new_recovery_codes(user)


@transaction.atomic
def disable(user, *, by, kind: str = "two_factor_disabled", **data) -> bool:
    """Remove the person's devices and recovery codes; False if there was nothing to remove."""
    devices, _ = TOTPDevice.objects.filter(user=user).delete()
    codes, _ = RecoveryCode.objects.filter(user=user).delete()
    if devices or codes:
        _record(kind, user, by, **data)
    return bool(devices or codes)


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


def verify(user, code: str) -> str | None:
    """'totp' or 'recovery' if the code lets this person in, else None. A recovery code works once."""
    dev = device(user)
    if dev is not None and check_totp(dev, code):
        return "totp"
    cleaned = _clean(code)
    if len(cleaned) != _RECOVERY_LENGTH:
        return None
    # Claimed with a conditional UPDATE: two sessions racing with one code cannot both win.
    found = RecoveryCode.objects.filter(user=user, code_hash=_hash(user, cleaned), used_at=None).first()
    if found and RecoveryCode.objects.filter(pk=found.pk, used_at=None).update(used_at=timezone.now()) == 1:
        _record("recovery_code_used", user, user, left=recovery_codes_left(user))
        return "recovery"
    return None


# The pending login, between the password and the code.


def start_pending(request, user, next_url: str) -> None:
    # A new session key: whoever knew the old one must not inherit a half-done login.
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", ""),
        "at": int(time.time()),
        "next": next_url,
    }


def pending(request):
    """(user, backend, next) of a pending login that has not expired, else None."""
    from sigap.people.models import User

    data = request.session.get(PENDING)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    return (user, data.get("backend", ""), data.get("next", "")) if user else None


def _new_recovery_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(user, c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _hash(user, cleaned: str) -> str:
    # Salted with the person: the same code for two people hashes differently.
    return hashlib.sha256(f"sigap-recovery:{user.pk}:{cleaned}".encode()).hexdigest()


def _record(kind: str, user, by, **data) -> None:
    """An audit event about `user`'s account, done by `by` (None: the system, e.g. a command)."""
    from sigap.cases.actions import record_event

    record_event(kind, by=by, username=user.get_username(), **data)
