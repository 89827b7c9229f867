"""The triage queue, and the one-click routing and duplicate decisions of the complaint page.

Views validate and call sigap.triage.decide; nothing is classified here (that is the worker's job).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.cases import actions
from sigap.cases.actions import ActionError
from sigap.cases.models import Complaint, Message, TriageState
from sigap.sop.models import SopVersion
from sigap.triage import decide, forms, overdue
from sigap.triage.models import Decision, DuplicateLink, Label
from sigap.triage.pii import pii_kinds
from sigap.triage.templatetags.triage import pii_labels

TABS = ("pending", "questions", "decided")
PAGE_SIZE = 50


def _check(user) -> None:
    if not actions.may(user, "triage"):
        raise PermissionDenied


def _waiting(state: str):
    latest = Decision.objects.filter(message=OuterRef("pk")).order_by("-at", "-pk")
    later = Message.objects.filter(platform=OuterRef("platform"), parent_id=OuterRef("external_id")).exclude(parent_id="")
    deleted = later.filter(kind="delete")
    edited = later.filter(kind="edit").order_by("-posted_at", "-pk").values("text")[:1]
    return (
        Message.objects.filter(triage_state=state)
        .select_related("account")
        .annotate(
            guess=Subquery(latest.values("label")[:1]),
            confidence=Subquery(latest.values("confidence")[:1]),
            deleted=Exists(deleted),
            edited_text=Subquery(edited),
        )
        .order_by("posted_at", "pk")
    )


@login_required
def queue(request):
    _check(request.user)
    tab = request.GET.get("tab", "")
    tab = tab if tab in TABS else "pending"
    counts = {
        "pending": Message.objects.filter(triage_state=TriageState.PENDING).count(),
        "questions": Message.objects.filter(triage_state=TriageState.TO_ANSWER).count(),
        "late": overdue.late_count(),
    }
    if tab == "decided":
        rows = Decision.objects.select_related("message", "by", "complaint", "template").order_by("-at", "-pk")
    else:
        rows = _waiting(TriageState.PENDING if tab == "pending" else TriageState.TO_ANSWER)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    if tab != "decided":
        # Step 2's clock runs from the post time until someone decides (SOP: 60 minutes).
        step, names, kinds = SopVersion.current().step(2), pii_labels(), kind_labels()
        for message in page:
            message.kind_label = kinds.get(message.kind, message.kind)
            message.due_at = step.due_from(message.posted_at)
            # A question waiting for an answer was decided (not a complaint): its step 2 is over.
            message.late = tab == "pending" and message.due_at < now
            message.pii = [names.get(kind, kind) for kind in pii_kinds(message.text)]
            message.media = [m for m in (message.raw or {}).get("_media", []) if isinstance(m, dict)]
    context = {
        "tab": tab,
        "counts": counts,
        "page": page,
        "now": now,
        "labels": Label.choices,
        "threshold": round(decide.threshold() * 100),
        "answer_form": forms.AnswerForm(),
    }
    return render(request, "triage/queue.html", context)


def kind_labels() -> dict[str, str]:
    return {
        "comment": _("comment"),
        "reply": _("reply"),
        "mention": _("mention"),
        "post": _("post"),
        "dm": _("direct message"),
    }


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _queue_url(tab: str = "pending") -> str:
    return f"{reverse('triage')}?tab={tab}"


@login_required
@require_POST
def message_decide(request, pk: int):
    _check(request.user)
    message = get_object_or_404(Message, pk=pk)
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the four decisions."))
        return _back(request, _queue_url())
    try:
        decision = decide.message_triage(message=message, label=form.cleaned_data["label"], by=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return _back(request, _queue_url())
    messages.success(request, _done_text(decision))
    return _back(request, _queue_url())


def _done_text(decision: Decision) -> str:
    if decision.outcome == Decision.Outcome.OPENED:
        return _("Complaint %(number)s opened; its acknowledgement is queued.") % {"number": decision.complaint}
    if decision.outcome == Decision.Outcome.FOLLOW_UP:
        return _("Added to complaint %(number)s, open in the same thread.") % {"number": decision.complaint}
    if decision.outcome == Decision.Outcome.GREETED:
        return _("Greeting reply queued.")
    if decision.outcome == Decision.Outcome.ANSWERED:
        return _("Answered with the template “%(name)s”.") % {"name": decision.template}
    if decision.outcome == Decision.Outcome.TO_ANSWER:
        return _("No answer template fits: the question waits under “Questions to answer”.")
    return _("Saved: no reply.")


@login_required
@require_POST
def question_answer(request, pk: int):
    _check(request.user)
    message = get_object_or_404(Message, pk=pk)
    form = forms.AnswerForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("text", []):
            messages.error(request, error)
        return _back(request, _queue_url("questions"))
    try:
        decide.question_answer(message=message, by=request.user, text=form.cleaned_data["text"])
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Answer queued for posting."))
    return _back(request, _queue_url("questions"))


@login_required
@require_POST
def question_close(request, pk: int):
    _check(request.user)
    message = get_object_or_404(Message, pk=pk)
    form = forms.CloseQuestionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        decide.question_close(message=message, by=request.user, note=note)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Question closed without a reply from Sigap."))
    return _back(request, _queue_url("questions"))


# The complaint page's routing box (templatetags/triage.py renders it) ---------------------


def _visible(request, pk: int) -> Complaint:
    complaint = get_object_or_404(Complaint, pk=pk)
    complaint.check_view(request.user)
    return complaint


@login_required
@require_POST
def routing_confirm(request, pk: int):
    complaint = _visible(request, pk)
    try:
        decide.routing_confirm(complaint=complaint, by=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Routing confirmed."))
    return redirect(complaint)


@login_required
@require_POST
def routing_correct(request, pk: int):
    complaint = _visible(request, pk)
    if not actions.may(request.user, "route"):
        raise PermissionDenied  # who first: nothing is validated for someone who may not act
    form = forms.RoutingCorrectForm(request.POST, prefix="routing")
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choose a category or an agency.")]:
            messages.error(request, error)
        return redirect(complaint)
    try:
        decide.routing_correct(
            complaint=complaint, by=request.user, category=form.cleaned_data["category"], agency=form.cleaned_data["agency"]
        )
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Routing corrected."))
    return redirect(complaint)


@login_required
@require_POST
def duplicate_decide(request, pk: int, choice: str):
    link = get_object_or_404(DuplicateLink.objects.select_related("complaint", "other"), pk=pk)
    here = link.complaint if request.POST.get("from") != "other" else link.other
    here.check_view(request.user)
    try:
        if choice == "merge":
            decide.duplicate_merge(link=link, by=request.user)
            messages.success(request, _("%(dup)s merged into %(into)s.") % {"dup": link.complaint, "into": link.other})
        else:
            decide.duplicate_keep_apart(link=link, by=request.user)
            messages.success(request, _("Kept apart: %(a)s and %(b)s are different problems.") % {"a": link.complaint, "b": link.other})
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect(here)
