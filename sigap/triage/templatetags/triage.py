"""The triage parts of shared pages: the menu's count and the complaint page's routing box.

Tags rather than view code, so the cases views need not know about triage.
"""

from django import template
from django.db.models import Q
from django.utils.translation import gettext as _

from sigap.agencies.models import Agency, Category
from sigap.cases import actions
from sigap.cases.models import TRIAGE_WAITING, Complaint, Message
from sigap.people.context import badge_count
from sigap.triage.forms import RoutingCorrectForm
from sigap.triage.models import DuplicateLink, RoutingDecision, RoutingSuggestion

register = template.Library()


@register.simple_tag(takes_context=True)
def triage_waiting_count(context) -> int | str | None:
    """Messages waiting for a person (doubtful ones and unanswered questions), "99+" past 99; None if not theirs to see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not actions.may(user, "triage"):
        return None
    return badge_count(Message.objects.filter(triage_state__in=TRIAGE_WAITING).order_by())  # index message_triage_queue


@register.simple_tag(takes_context=True)
def triage_step_two(context) -> dict | None:
    """Step 2 before a complaint exists: messages waiting for a triage decision, and how many are late."""
    from sigap.triage import overdue

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not actions.may(user, "triage"):
        return None
    return overdue.waiting_counts()


def _with_names(decisions: list[RoutingDecision]) -> list[RoutingDecision]:
    """The decisions' categories and agencies from those routing keeps at hand, not four joins each."""
    from sigap.triage.decide import routing_targets

    active_categories, active_agencies = routing_targets()
    categories = {c.pk: c for c in active_categories.values()}
    agencies = {a.pk: a for a in active_agencies.values()}
    wanted_categories = {pk for d in decisions for pk in (d.category_id, d.suggested_category_id) if pk}
    wanted_agencies = {pk for d in decisions for pk in (d.agency_id, d.suggested_agency_id) if pk}
    categories |= Category.objects.in_bulk(wanted_categories - categories.keys())  # no query when none is missing
    agencies |= Agency.objects.in_bulk(wanted_agencies - agencies.keys())
    for d in decisions:
        d.category, d.suggested_category = categories.get(d.category_id), categories.get(d.suggested_category_id)
        d.agency, d.suggested_agency = agencies.get(d.agency_id), agencies.get(d.suggested_agency_id)
    return decisions


def pii_labels() -> dict[str, str]:
    return {"nik": _("NIK"), "phone": _("phone number"), "email": _("e-mail address"), "plate": _("vehicle plate")}


def _place_labels() -> dict[str, str]:
    return {"kecamatan": _("kecamatan"), "kelurahan": _("kelurahan"), "jalan": _("street"), "tempat": _("place")}


@register.inclusion_tag("triage/_routing_box.html", takes_context=True)
def routing_box(context):
    complaint: Complaint = context["complaint"]
    user = context["request"].user
    suggestion = RoutingSuggestion.objects.filter(complaint=complaint).first()
    # Most complaints have no possible duplicate: looked for in its own table alone, and read with
    # its joins only when there is one (PostgreSQL took longer to plan the joins than to find nothing).
    decisions = _with_names(list(complaint.routing_decisions.select_related("by").order_by("-at", "-pk")[:5]))
    links = []
    mine = DuplicateLink.objects.filter(Q(complaint=complaint) | Q(other=complaint))
    if mine.exists():
        visible = Complaint.objects.for_user(user)
        links = mine.filter(complaint__in=visible, other__in=visible).select_related("complaint", "other", "decided_by")
        links = links.order_by("state", "-score")
    duplicates = []
    for link in links:
        is_later = link.complaint_id == complaint.pk
        duplicates.append(
            {
                "link": link,
                "peer": link.other if is_later else link.complaint,
                "side": "complaint" if is_later else "other",
                "is_later": is_later,
                "may_merge": link.state == DuplicateLink.State.OPEN and actions.may(user, "merge", link.complaint),
                "may_keep": link.state == DuplicateLink.State.OPEN and actions.may(user, "triage"),
            }
        )
    places = _place_labels()
    pii = pii_labels()
    return {
        "complaint": complaint,
        "suggestion": suggestion,
        "places": [
            {**place, "kind_label": places.get(place["kind"], place["kind"])} for place in (suggestion.places if suggestion else [])
        ],
        "pii": [pii.get(kind, kind) for kind in (suggestion.pii if suggestion else [])],
        "decisions": decisions,
        "may_route": actions.may(user, "route", complaint),
        # Confirmed already: the current routing is the suggestion and a person has said so.
        "confirmed": bool(
            decisions
            and suggestion
            and (complaint.category_id, complaint.agency_id) == (suggestion.top_category_id, suggestion.top_agency_id)
        ),
        "form": RoutingCorrectForm(
            prefix="routing", initial={"category": complaint.category_id, "agency": complaint.agency_id}
        ),
        "duplicates": duplicates,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
