"""Display helpers for the staff pages: WIB times, durations, event wording."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sigap.cases.models import Status
from sigap.lib.i18n import per_language
from sigap.people.models import Role
from sigap.platforms.models import PlatformName

register = template.Library()


@per_language
def _months() -> dict[int, str]:
    return {number: str(name).title() for number, name in MONTHS_3.items()}  # as date format "M" writes them


@register.filter
def wib(value: datetime | None) -> str:
    """29 Nov 2026 14:05 WIB (Western Indonesian Time, the city's time zone)."""
    if not value:
        return "–"
    # date_format(…, "j M Y H:i") without parsing the format for each of the page's many times.
    local = timezone.localtime(value)
    return f"{local.day} {_months()[local.month]} {local.year:04d} {local.hour:02d}:{local.minute:02d} WIB"


@register.filter
def wib_date(value: datetime | None) -> str:
    if not value:
        return "–"
    local = timezone.localtime(value)
    return f"{local.day} {_months()[local.month]} {local.year:04d}"  # date_format(…, "j M Y")


@per_language
def _step_words() -> dict[str, str]:
    return {
        "d": pgettext("duration: days", "d"),
        "h": pgettext("duration: hours", "h"),
        "m": pgettext("duration: minutes", "m"),
        "none": pgettext("duration", "< 1 m"),
        "late": _("%(duration)s late"),
        "left": _("%(duration)s left"),
        "on_time": _("On time"),
        "was_late": _("Late"),
        "system": _("system"),
        "step": _("Step %(n)s"),
        "round": _("round %(n)s"),
    }


@register.filter
def duration(value: timedelta | None) -> str:
    """At most two units, largest first: "1 h 3 j", "2 j 15 m", "40 m" (Indonesian)."""
    if value is None:
        return "–"
    words = _step_words()
    minutes = int(abs(value.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {words[unit]}" for n, unit in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    if not parts:
        return words["none"]
    return " ".join(parts[:2])


@register.filter
def time_left(step, now: datetime | None = None) -> str:
    """"2 j 15 m lagi" for an open step, "terlambat 3 j" once its due time has passed."""
    left = step.due_at - (now or timezone.now())
    return _step_words()["late" if left.total_seconds() < 0 else "left"] % {"duration": duration(left)}


@register.filter
def is_late(step, now: datetime | None = None) -> bool:
    return step.completed_at is None and step.due_at < (now or timezone.now())


def step_badge(step, now: datetime) -> tuple[str, str]:
    """_step_result.html's badge as (CSS class, text), for lists that show a step on every row."""
    if step.completed_at:
        words = _step_words()
        return ("badge-ok", words["on_time"]) if step.on_time else ("badge-late", words["was_late"])
    return ("badge-late" if is_late(step, now) else "badge-open"), time_left(step, now)


@register.filter
def step_rows(steps, now: datetime | None = None) -> list[dict]:
    """_steps.html's cells, worked out here once per step rather than by a dozen tags and filters each."""
    now = now or timezone.now()
    words, roles = _step_words(), _short_roles()
    rows = []
    for step in steps:
        sop_step = step.sop_step
        badge_class, badge = step_badge(step, now)
        recap = step.recap if step.recap_id else None
        rows.append(
            {
                "done": bool(step.completed_at),
                "late": is_late(step, now),
                "number": step.number,
                "step": words["step"] % {"n": step.number},
                "name": sop_step.name,
                "badge_class": badge_class,
                "badge": badge,
                "role": roles.get(step.role, step.role),
                "standard": sop_step.standard_label(),
                "round": words["round"] % {"n": step.round} if step.round > 1 else "",
                "recap": recap,
                "started": wib(step.started_at),
                "due": wib(step.due_at),
                "completed": wib(step.completed_at),
                "by": (str(step.completed_by) if step.completed_by else words["system"]) if step.completed_at else "–",
                "duration": duration(step.duration()),
                "outcome": step.outcome,
            }
        )
    return rows


@per_language
def status_labels() -> dict[str, str]:
    """A complaint's status as get_status_display() writes it."""
    return {value: str(label) for value, label in Status.choices}


@per_language
def platform_labels() -> dict[str, str]:
    return {value: str(label) for value, label in PlatformName.choices}


@register.filter
def role_label(role: str) -> str:
    return _short_roles().get(role, role)


@per_language
def _short_roles() -> dict:
    return {
        Role.PROCESSOR: _("Processor"),
        Role.REVIEWER: _("Reviewer"),
        Role.LIAISON: _("Agency liaison"),
        Role.SUPERVISOR: _("Supervisor"),
        Role.ADMIN: _("Administrator"),
    }


@per_language
def _event_kinds() -> dict:
    return {
        "received": _("Complaint received"),
        "follow_up": _("Follow-up message from the complainant"),
        "registered": _("Registered; complainant told the tracking number"),
        "forwarded": _("Forwarded to the agency"),
        "answered": _("Agency answered"),
        "approved": _("Answer approved"),
        "returned": _("Answer returned for revision"),
        "posted": _("Answer posted on the platform"),
        "closed": _("Closed"),
        "reopened": _("Reopened"),
        "merged": _("Merged into another complaint"),
        "merged_in": _("A duplicate was merged into this complaint"),
        "flags": _("Confidential/anonymous changed"),
        "overdue": _("Step overdue"),
        "recap_created": _("Recap made"),
        "recap_archived": _("Recap archived"),
        "reply_failed": _("Automatic reply failed"),
        "reply_uncertain": _("Automatic reply interrupted: check the platform"),
        "reply_sent": _("Automatic reply sent"),
        "reply_delivered": _("Automatic reply delivered"),
        "reply_read": _("Automatic reply read"),
        "source_edited": _("The complainant edited the post"),
        "source_deleted": _("The complainant deleted the post"),
        "archive_pruned": _("Archived file removed after its retention period"),
        # sigap.triage
        "routed": _("Category and agency suggested"),
        "routing_confirmed": _("Suggested routing confirmed"),
        "routing_corrected": _("Routing corrected"),
        "duplicate_kept_apart": _("Possible duplicate kept apart"),
        "question_answered": _("Question answered"),
        "question_closed": _("Question closed without an answer"),
        "triage_overdue": _("Message still waiting in the triage queue past step 2's deadline"),
        # sigap.ops and sigap.connectors
        "restored": _("Restored from a backup"),
        "pseudonymised": _("Complainant's personal data pseudonymised"),
        "data_exported": _("Personal data exported for the person it is about"),
        "forward_sent": _("Forwarded to the agency's system"),
        "forward_failed": _("Forwarding to the agency's system failed"),
        # sigap.people: sign-in and two-step verification
        "login_locked": _("Sign-in paused after too many attempts"),
        "login_code_locked": _("Verification code paused after too many attempts"),
        "two_factor_enabled": _("Two-step verification turned on"),
        "two_factor_disabled": _("Two-step verification turned off"),
        "two_factor_reset": _("Two-step verification reset by an administrator"),
        "recovery_codes_renewed": _("New recovery codes made"),
        "recovery_code_used": _("A recovery code was used to sign in"),
    }


@register.filter
def event_label(kind: str) -> str:
    return _event_kinds().get(kind, kind.replace("_", " "))


@per_language
def _detail_labels() -> dict:
    return {
        "via": _("via"),
        "platform": _("platform"),
        "permalink": _("post"),
        "tracking_number": _("tracking number"),
        "ack_via": _("told via"),
        "ack_link": _("message"),
        "note": _("note"),
        "agency": _("agency"),
        "category": _("category"),
        "reason": _("reason"),
        "link": _("link"),
        "into": _("into"),
        "duplicate": _("duplicate"),
        "round": _("round"),
        "step": _("step"),
        "due_at": _("due"),
        "text": _("text"),
        "reference": _("archive reference"),
        "complaints": _("complaints"),
        "confidential": _("confidential"),
        "anonymous": _("anonymous"),
        "sequence": _("number in the register"),
        "scheduled": _("scheduled"),
    }


# Ids and hashes that mean something only inside the database or the archive register.
_HIDDEN = {"answer", "message", "reply", "reply_kind", "entry_hash", "previous_hash", "files"}


def _show(value) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value in (None, ""):
        return "–"
    return str(value)


def event_details(event, agencies: dict[str, str] | None = None) -> list[tuple[str, str, bool]]:
    """What an event changed, as (label, value, is_link) rows; `agencies` maps codes to names."""
    labels = _detail_labels()
    data = event.data or {}
    rows = []
    for key, value in data.items():
        if key in _HIDDEN or value in (None, "", {}, []):
            continue
        if key == "changes":
            for field, (old, new) in value.items():
                rows.append((labels.get(field, field), f"{_show(old)} → {_show(new)}", False))
            continue
        if key == "agency":
            if "agency" in data.get("changes", {}):
                continue  # already shown as old → new
            value = (agencies or {}).get(value, value)
        if key == "platform":
            value = platform_labels().get(value, value)
        if key == "via":
            value = {"form": _("Form Aduan Media Sosial"), "channel": _("connected account")}.get(value, value)
        if key == "due_at":
            try:
                value = wib(datetime.fromisoformat(value))
            except (TypeError, ValueError):
                pass
        text = _show(value)
        rows.append((labels.get(key, key), text, text.startswith(("http://", "https://"))))
    return rows


@register.simple_tag
def bar_width(count: int, largest: int) -> str:
    """A CSS width for a count bar: at least a sliver when the count is not zero."""
    if not largest or not count:
        return "0%"
    return f"{max(2, round(100 * count / largest))}%"


@register.filter
def web_link(value: str) -> str:
    """The value if it is an http(s) link, else "": links from platforms are shown, never trusted."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


@register.filter
def local_path(value: str) -> str:
    """The value if it is a path on this site ("/aduan/3/"), else ""."""
    value = value or ""
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else ""
