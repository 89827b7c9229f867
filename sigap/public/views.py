"""The public tracking page (/lacak/): a complaint's progress by its nomor lacak.

Nothing personal is shown: the complaint's text and answer are masked, a confidential
(rahasia) complaint shows its status only, and a number that does not exist gets "not found"
and nothing else. Lookups are rate-limited per client address so numbers cannot be enumerated.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sigap.cases.models import Answer, Complaint, Status
from sigap.lib import tracking
from sigap.ops import ratelimit
from sigap.public import feedback, timeline
from sigap.public.forms import LookupForm, RatingForm, ReopenForm
from sigap.public.privacy import mask_complaint_text


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "public/429.html", {"retry_minutes": max(1, (retry_after + 59) // 60)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _limited(request: HttpRequest) -> int:
    rate = ratelimit.Rate.parse(settings.SIGAP_TRACK_RATE_LIMIT)
    return ratelimit.hit("track", ratelimit.client_ip(request), rate)


def _prefix() -> str:
    return settings.SIGAP_TRACKING_PREFIX


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """The lookup form; a submitted number goes to its page."""
    if "nomor" not in request.GET:
        return render(request, "public/track_form.html", {"form": LookupForm()})
    form = LookupForm(request.GET)
    if form.is_valid():
        typed = form.cleaned_data["nomor"]
        number = tracking.normalize(typed, _prefix()) or re.sub(r"[^A-Za-z0-9-]", "", typed)[:40]
        if number:
            return redirect("track-detail", nomor=number)
        form.add_error("nomor", _("Enter the tracking number you received, e.g. %(example)s.") % {"example": _example()})
    return render(request, "public/track_form.html", {"form": form}, status=400)


def _example() -> str:
    return f"{_prefix()}-7K3M-9QX4"


def _suggestions(typed: str) -> list[str]:
    """Existing numbers one typo away from what was typed; nothing about numbers that do not exist."""
    candidates = tracking.near_misses(typed, _prefix())
    if not candidates:
        return []
    return sorted(Complaint.objects.filter(tracking_number__in=candidates).values_list("tracking_number", flat=True))


@never_cache
@require_GET
def track_detail(request: HttpRequest, nomor: str) -> HttpResponse:
    canonical = tracking.normalize(nomor, _prefix())
    if canonical and canonical != nomor:
        return redirect("track-detail", nomor=canonical)
    wait = _limited(request)
    if wait:
        return too_many(request, wait)
    complaint = None
    if canonical:
        # The complaint it was merged into is read only for a merged one: a join for every lookup cost more.
        found = Complaint.objects.select_related("agency", "category")
        complaint = found.filter(tracking_number=canonical).first()
    if complaint is None:
        context = {"typed": nomor[:40], "suggestions": [] if canonical else _suggestions(nomor), "form": LookupForm()}
        return render(request, "public/track_missing.html", context, status=404)
    return render(request, "public/track_detail.html", _detail_context(complaint))


def _detail_context(complaint: Complaint, **forms) -> dict:
    context = {
        "complaint": complaint,
        "number": complaint.tracking_number,
        "status_label": timeline.status_label(complaint, detailed=not complaint.confidential),
        "is_open": complaint.is_open,
        "confidential": complaint.confidential,
    }
    # Each read once: the timeline's events, then the answers (the latest, and those the events name).
    events = [] if complaint.confidential else timeline.public_events([complaint])
    answers = _answers(complaint, events)
    latest = _latest_answer(complaint, answers)
    context.update(
        feedback.on_page(complaint, latest),
        rating_form=forms.get("rating_form") or RatingForm(),
        reopen_form=forms.get("reopen_form") or ReopenForm(),
    )
    if complaint.confidential:
        return context
    answer = latest
    if answer is not None and answer.round != complaint.round:
        answer = None  # reopened: the earlier answer stays in the timeline, not as the answer
    joined = complaint.merged_into
    entries = timeline.entries(complaint, events, answers=answers)
    context.update(
        merged_into=joined.tracking_number if joined and not joined.confidential and joined.tracking_number else "",
        text=mask_complaint_text(complaint),
        entries=entries,
        answer=_masked_answer(complaint, answer, events, entries) if answer else "",
        answer_agency=answer.agency if answer else None,
    )
    return context


def _masked_answer(complaint: Complaint, answer: Answer, events: list, entries: list) -> str:
    """The answer's text masked, as the timeline's entry of its approval already has it."""
    for event, entry in zip(events, entries):
        if event.kind == "approved" and (event.data or {}).get("answer") == answer.pk:
            return entry.answer
    return mask_complaint_text(complaint, answer.text)


def _answers(complaint: Complaint, events: list) -> dict[int, Answer]:
    """The complaint's approved answers and any other the events name, by id, in one query."""
    if complaint.confidential and complaint.status != Status.POSTED:
        return {}  # no timeline shown and no reopen deadline to reckon
    wanted = Q(complaint=complaint, status=Answer.Status.APPROVED) | Q(pk__in=timeline.answer_ids(events))
    return {a.pk: a for a in Answer.objects.filter(wanted).select_related("agency")}


def _latest_answer(complaint: Complaint, answers: dict[int, Answer]) -> Answer | None:
    """timeline.latest_answer(), from the answers already read."""
    approved = (a for a in answers.values() if a.complaint_id == complaint.pk and a.status == Answer.Status.APPROVED)
    return max(approved, key=lambda a: (a.round, a.pk), default=None)


def _complaint_for_post(request: HttpRequest, nomor: str):
    """The complaint a feedback form was posted for, or a response to return instead."""
    wait = _limited(request)
    if wait:
        return None, too_many(request, wait)
    canonical = tracking.normalize(nomor, _prefix())
    complaint = Complaint.objects.filter(tracking_number=canonical).first() if canonical else None
    if complaint is None:
        return None, render(request, "public/track_missing.html", {"typed": nomor[:40], "form": LookupForm()}, status=404)
    return complaint, None


@require_POST
def track_rate(request: HttpRequest, nomor: str) -> HttpResponse:
    complaint, response = _complaint_for_post(request, nomor)
    if response:
        return response
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(request, "public/track_detail.html", _detail_context(complaint, rating_form=form), status=400)
    try:
        feedback.rate(complaint, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
    except feedback.FeedbackError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Thank you for rating the answer."))
    return redirect("track-detail", nomor=complaint.tracking_number)


@require_POST
def track_reopen(request: HttpRequest, nomor: str) -> HttpResponse:
    complaint, response = _complaint_for_post(request, nomor)
    if response:
        return response
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render(request, "public/track_detail.html", _detail_context(complaint, reopen_form=form), status=400)
    try:
        feedback.reopen(complaint, reason=form.cleaned_data["reason"])
    except feedback.FeedbackError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Your complaint has been reopened; the agency will answer it again."))
    return redirect("track-detail", nomor=complaint.tracking_number)
