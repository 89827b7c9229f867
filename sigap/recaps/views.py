"""Recaps of answered complaints (SOP step 6) and their archive (step 7)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.cases import actions
from sigap.cases.actions import ActionError
from sigap.cases.models import Answer, Complaint
from sigap.cases.views import events_with_details
from sigap.people.models import Role
from sigap.recaps import actions as recap_actions
from sigap.recaps.forms import ArchiveForm, RecapForm
from sigap.recaps.models import Recap


def _liaison(user) -> bool:
    return user.role == Role.LIAISON and not user.is_admin


def _visible_recaps(user):
    """A liaison reads its own agency's recaps only, as on the report pages and in the API.

    A city-wide recap's figures are every agency's: not for one agency's liaison.
    """
    recaps = Recap.objects.all()
    if _liaison(user):
        recaps = recaps.filter(agency_id=user.agency_id) if user.agency_id else recaps.none()
    return recaps


def _visible_recap(user, pk: int, queryset=None) -> Recap:
    recap = get_object_or_404(queryset if queryset is not None else Recap.objects.all(), pk=pk)
    if _liaison(user) and (recap.agency_id is None or recap.agency_id != user.agency_id):
        raise PermissionDenied
    return recap


@login_required
def recaps(request):
    rows = (
        _visible_recaps(request.user)
        .select_related("agency", "created_by", "archive")
        .annotate(n=Count("complaints"))
        .order_by("-period_end", "-pk")
    )
    context = {"page": Paginator(rows, 25).get_page(request.GET.get("page")), "can_recap": actions.may(request.user, "recap")}
    return render(request, "recaps/list.html", context)


@login_required
def recap_create(request):
    if not actions.may(request.user, "recap"):
        raise PermissionDenied
    today = timezone.localdate()
    form = RecapForm(request.POST or None, initial={"period_from": today.replace(day=1), "period_to": today})
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        try:
            recap = recap_actions.recap_create(
                by=request.user,
                period_start=start,
                period_end=end,
                agency=form.cleaned_data["agency"],
                platform=form.cleaned_data["platform"],
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Recap made with %(n)s answered complaints: step 6 is done.") % {"n": recap.complaints.count()}
            )
            return redirect(recap)
    return render(request, "recaps/create.html", {"form": form})


@login_required
def recap(request, pk: int):
    return _recap_page(request, pk)


def _recap_page(request, pk: int, archive_form: ArchiveForm | None = None, status: int = 200):
    recap = _visible_recap(
        request.user, pk, Recap.objects.select_related("agency", "created_by", "archive__archived_by", "sop")
    )
    complaints = list(
        Complaint.objects.for_user(request.user).filter(recaps=recap).select_related("agency").order_by("received_at")
    )
    posted = {
        a.complaint_id: a
        for a in Answer.objects.filter(complaint__in=complaints, posted_at__isnull=False).order_by("posted_at")
    }
    archived = hasattr(recap, "archive")
    context = {
        "recap": recap,
        "rows": [(c, posted.get(c.pk)) for c in complaints],
        "steps": recap.steps.select_related("sop_step", "completed_by").order_by("number"),
        "events": events_with_details(recap.events.select_related("actor")),
        "archived": archived,
        "can_archive": not archived and actions.may(request.user, "archive"),
        "archive_form": archive_form or ArchiveForm(),
        "now": timezone.now(),
    }
    return render(request, "recaps/detail.html", context, status=status)


@login_required
@require_POST
def recap_archive(request, pk: int):
    recap = _visible_recap(request.user, pk)
    if not actions.may(request.user, "archive"):
        raise PermissionDenied
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _recap_page(request, pk, archive_form=form)
    try:
        recap_actions.recap_archive(recap=recap, by=request.user, reference=form.cleaned_data["reference"])
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Recap archived: step 7 is done."))
    return redirect(recap)
