"""The staff pages: queues, the Form Aduan Media Sosial, the complaint page and its actions.

Views validate input and call sigap.cases.actions; they hold no workflow rules of their own.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.agencies.models import Agency
from sigap.cases import actions, forms, replies, search
from sigap.cases.actions import ActionError
from sigap.cases.models import Answer, Complaint, Notification, Status, Step
from sigap.cases.templatetags.sigap import event_details, event_label, is_late, platform_labels, status_labels, step_badge, wib
from sigap.lib.db import without_parallel_workers
from sigap.lib.pages import Page, page_number
from sigap.people.models import Role
from sigap.sop.models import SopStep, SopVersion

TAB_STEPS = (2, 3, 4, 5, 6, 7)
QUEUE_PAGE = 50
UNRECAPPED_SHOWN = 1000
OVERDUE_SHOWN = 50  # a queue page's worth; each row costs ~0.2 ms to render

# What the lists show of a complaint, its agency and a recap (see _step_rows and _complaint_rows):
# they load no other column, a complaint having some thirty.
_COMPLAINT_ROW = ("tracking_number", "status", "platform", "complainant_name", "complainant_handle", "anonymous", "text")
_AGENCY_ROW = ("name", "abbreviation")
_STEP_ROW = (
    ("number", "role", "started_at", "due_at", "completed_at", "on_time", "sop_step")
    + tuple(f"complaint__{f}" for f in _COMPLAINT_ROW)
    + tuple(f"complaint__agency__{f}" for f in _AGENCY_ROW)
    + tuple(f"recap__{f}" for f in ("period_start", "period_end", "platform"))
    + tuple(f"recap__agency__{f}" for f in _AGENCY_ROW)
)


def step_labels() -> dict[int, str]:
    """Short names for tabs; the SOP's own wording is shown beside them."""
    return {
        2: _("Receive"),
        3: _("Register & inform"),
        4: _("Agency answer"),
        5: _("Post answer"),
        6: _("Recap"),
        7: _("Archive"),
    }


# Queues ------------------------------------------------------------------------------------


def _default_step(user, sop_steps: dict, counts: dict) -> int:
    """The first step of the user's role that has work waiting, else the role's first step."""
    mine = [n for n, s in sop_steps.items() if s.role == user.role]
    if user.role == Role.REVIEWER:
        mine = sorted({*mine, 4})  # the reviewer forwards and approves at step 4
    candidates = [n for n in mine if n in TAB_STEPS] or list(TAB_STEPS)
    return next((n for n in candidates if counts.get(n, {}).get("n")), candidates[0])


@login_required
def home(request):
    user, now = request.user, timezone.now()
    sop_steps = _sop_steps(SopVersion.current())
    visible = Step.objects.open().for_user(user)
    # The tabs' numbers named, so that PostgreSQL counts from index step_open_queue alone rather
    # than walking step_open_due and reading every open step's row for its number.
    tab_steps = visible.filter(number__in=TAB_STEPS).values("number")
    counts = {row["number"]: row for row in tab_steps.annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))}
    try:
        selected = int(request.GET.get("step", ""))
    except ValueError:
        selected = 0
    if selected not in TAB_STEPS:
        selected = _default_step(user, sop_steps, counts)
    # Ordered by deadline, the overdue rows come first by construction. The page's ids come from
    # index step_open_queue alone, then its rows by id: left to itself PostgreSQL may walk
    # step_open_due instead, reading every open step of the other tabs to find a small tab's few.
    ids = visible.filter(number=selected).order_by("due_at", "pk").values("pk")
    paginator = Paginator(ids, QUEUE_PAGE)
    paginator.count = counts.get(selected, {}).get("n", 0)  # the tab's count is this list's: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(
        Step.objects.filter(pk__in=page.object_list)
        .select_related("complaint__agency", "recap__agency")
        .only(*_STEP_ROW)
        .order_by("due_at", "pk")
    )
    labels = step_labels()
    tabs = [
        {
            "number": n,
            "label": labels[n],
            "sop_step": sop_steps.get(n),
            "count": counts.get(n, {}).get("n", 0),
            "late": counts.get(n, {}).get("late", 0),
        }
        for n in TAB_STEPS
    ]
    context = {
        "tabs": tabs,
        "selected": selected,
        "selected_tab": tabs[TAB_STEPS.index(selected)],
        "page": page,
        "rows": _step_rows(page, now, words=12),
        "now": now,
        "can_receive": actions.may(user, "receive"),
        "can_recap": actions.may(user, "recap"),
    }
    if selected == 6 and context["can_recap"]:
        # Step 6's input: answers posted back that no recap has covered yet.
        # Counted up to UNRECAPPED_SHOWN, newest first: past that the number changes nothing (make a recap),
        # and an exact count would walk every answered complaint there ever was.
        # NOT EXISTS rather than a LEFT JOIN: PostgreSQL then walks the newest answered ones and stops.
        recapped = Complaint.recaps.through.objects.filter(complaint=OuterRef("pk"))
        pending = Complaint.objects.filter(~Exists(recapped), status=Status.POSTED).order_by("-posted_at", "-pk")
        context["unrecapped"] = pending[:UNRECAPPED_SHOWN].count()
        context["unrecapped_more"] = context["unrecapped"] == UNRECAPPED_SHOWN
    return render(request, "cases/home.html", context)


def _sop_steps(version: SopVersion) -> dict[int, SopStep]:
    """The tabs' SOP steps, from the steps the process keeps with the current version."""
    steps = {}
    for number in TAB_STEPS:
        try:
            steps[number] = version.step(number)
        except KeyError:
            continue
    return steps


def _step_rows(steps, now, *, words: int, step_name: bool = False) -> list[dict]:
    """What a queue or the overdue list shows of each open step, worked out here once per row.

    Filters, includes and translations in every cell of 50–100 rows were most of these pages'
    time; the labels come from tables made once per language.
    """
    statuses, platforms = status_labels(), platform_labels()
    step_names: dict[int, str] = {}
    rows = []
    for step in steps:
        badge_class, badge = step_badge(step, now)
        row = {
            "late": is_late(step, now),
            "number": step.number,
            "role": step.role,
            "started": wib(step.started_at),
            "due": wib(step.due_at),
            "badge_class": badge_class,
            "badge": badge,
        }
        if step_name:
            if step.sop_step_id not in step_names:
                step_names[step.sop_step_id] = Truncator(step.sop_step.name).words(6, truncate=" …")
            row["step_name"] = step_names[step.sop_step_id]
        complaint, recap = step.complaint, step.recap
        if complaint is not None:
            row.update(
                url=complaint.get_absolute_url(),
                title=str(complaint),
                status=statuses.get(complaint.status, complaint.status),
                platform=complaint.platform,
                platform_label=platforms.get(complaint.platform, complaint.platform),
                name=complaint.display_name(),
                excerpt=Truncator(complaint.text).words(words, truncate=" …"),
                agency=str(complaint.agency) if complaint.agency else "–",
            )
        else:
            row.update(
                recap=True,
                url=recap.get_absolute_url(),
                title=str(recap),
                agency=str(recap.agency) if recap.agency else _("All agencies"),
                platform_label=platforms.get(recap.platform, recap.platform) or _("All platforms"),
            )
        rows.append(row)
    return rows


# Step 2: the Form Aduan Media Sosial ------------------------------------------------------


@login_required
def receive(request):
    if not actions.may(request.user, "receive"):
        raise PermissionDenied
    form = forms.ReceiveForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        complaint = actions.complaint_receive(by=request.user, **form.action_kwargs())
        messages.success(
            request,
            _("Complaint received. Its tracking number is %(number)s: tell the complainant (step 3).")
            % {"number": complaint.tracking_number},
        )
        return redirect(complaint)
    return render(request, "cases/receive.html", {"form": form})


# The complaint page and its actions -------------------------------------------------------


def _action_table() -> dict:
    """Each action: its form, how to call it, and what to tell the user afterwards."""
    return {
        "register": (
            forms.RegisterForm,
            lambda c, u, d: actions.complaint_register(
                complaint=c, by=u, ack_via=d["ack_via"], ack_link=d["ack_link"], note=d["note"]
            ),
            _("Registered: step 3 is done."),
        ),
        "forward": (
            forms.ForwardForm,
            lambda c, u, d: actions.complaint_forward(
                complaint=c, by=u, agency=d["agency"], category=d["category"], note=d["note"]
            ),
            _("Forwarded to the agency."),
        ),
        "answer": (
            forms.AnswerForm,
            lambda c, u, d: actions.complaint_answer(complaint=c, by=u, text=d["text"]),
            _("Answer sent for review."),
        ),
        "approve": (
            forms.ApproveForm,
            lambda c, u, d: actions.answer_approve(complaint=c, by=u),
            _("Answer approved: it can now be posted (step 5)."),
        ),
        "return": (
            forms.ReasonForm,
            lambda c, u, d: actions.answer_return(complaint=c, by=u, reason=d["reason"]),
            _("Answer returned to the agency."),
        ),
        "post": (
            forms.PostForm,
            lambda c, u, d: actions.complaint_post_answer(complaint=c, by=u, link=d["link"]),
            _("Answer posted: step 5 is done."),
        ),
        "close": (
            forms.ReasonForm,
            lambda c, u, d: actions.complaint_close(complaint=c, by=u, reason=d["reason"]),
            _("Complaint closed."),
        ),
        "reopen": (
            forms.ReasonForm,
            lambda c, u, d: actions.complaint_reopen(complaint=c, by=u, reason=d["reason"]),
            _("Complaint reopened: the agency answers again."),
        ),
        "merge": (
            forms.MergeForm,
            lambda c, u, d: actions.complaint_merge(complaint=c, into=d["into"], by=u),
            _("Complaint merged."),
        ),
        "flags": (
            forms.FlagsForm,
            lambda c, u, d: actions.complaint_set_flags(
                complaint=c, by=u, confidential=d["confidential"], anonymous=d["anonymous"]
            ),
            _("Saved."),
        ),
    }


def _visible_complaint(request, pk: int) -> Complaint:
    """The complaint if this user may see it; 403 if it exists but is not theirs, else 404."""
    user = request.user
    # Not joined: the SOP version (the current one is remembered per process) and the complaint it
    # was merged into (read only for a merged one). Each join cost more to plan than to run.
    complaint = (
        Complaint.objects.for_user(user).select_related("agency", "category", "kelurahan", "account").filter(pk=pk).first()
    )
    if complaint is None:
        # Only a refusal pays for the second look-up that tells "not yours" from "not there".
        if Complaint.objects.filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    current = SopVersion.current()
    if complaint.sop_id == current.pk:
        complaint.sop = current
    if user.agency_id is not None and user.agency_id == complaint.agency_id:
        user.agency = complaint.agency  # the page header shows it: no second read of the same row
    return complaint


def _action_texts() -> dict[str, tuple[str, str, str]]:
    """Title, explanation and button of each action's form."""
    return {
        "register": (
            _("Register and inform"),
            _("Tell the complainant the tracking number where they posted, then record how you told them."),
            _("Mark as registered"),
        ),
        "forward": (_("Forward (disposisi)"), _("Send the complaint to the agency (OPD) that must answer it."), _("Forward")),
        "answer": (
            _("Answer (tindak lanjut)"),
            _("The agency's answer goes to the reviewer before it is posted."),
            _("Send answer for review"),
        ),
        "approve": (_("Approve the answer"), _("The answer can then be posted on the complainant's platform."), _("Approve")),
        "return": (_("Return the answer"), _("Send the answer back to the agency, saying what to change."), _("Return to the agency")),
        "post": (
            _("Post the answer"),
            _("Post the approved answer where the complainant asked, then paste the link to your reply."),
            _("Mark as posted"),
        ),
        "reopen": (_("Reopen"), _("The complainant says it is not resolved: the agency answers again."), _("Reopen")),
        "close": (_("Close"), _("Close without an answer, e.g. spam or not a complaint. Open steps stop."), _("Close complaint")),
        "merge": (_("Merge as duplicate"), _("Another complaint already covers this one."), _("Merge")),
        "flags": (_("Confidential and anonymous"), "", _("Save")),
    }


# Rarely needed: folded away unless their form came back with errors.
_SECONDARY = {"close", "merge", "flags"}


def _complaint_page(request, complaint: Complaint, bound: tuple[str, object] | None = None, status: int = 200):
    user = request.user
    table, texts = _action_table(), _action_texts()
    allowed = set(actions.allowed_actions(user, complaint))
    cards = []
    for name in texts:
        if name not in allowed:
            continue
        if bound and bound[0] == name:
            form = bound[1]
        else:
            form = table[name][0](complaint=complaint, user=user, prefix=name)
        title, help_text, button = texts[name]
        cards.append(
            {
                "name": name,
                "form": form,
                "title": title,
                "help": help_text,
                "button": button,
                "secondary": name in _SECONDARY,
                "open": bool(bound and bound[0] == name),
            }
        )
    recaps = list(complaint.recaps.all())
    steps = list(complaint.steps.select_related("sop_step", "completed_by").order_by("round", "number"))
    steps += _recap_steps(recaps)
    # Who reviewed an answer is not shown: not joined.
    answers = list(complaint.answers.select_related("created_by", "agency").order_by("-round", "-created_at"))
    context = {
        "complaint": complaint,
        "cards": cards,
        "open_step": next((s for s in steps if s.completed_at is None), None),
        "ack_text": replies.ack_text(complaint) if "register" in allowed else "",
        "approved_answer": _current_answer(complaint, answers) if "post" in allowed else None,
        "steps": steps,
        "now": timezone.now(),
        "source_messages": complaint.messages.defer("raw"),  # the platform's payload is never shown here
        "attachments": complaint.attachments.all(),
        "answers": answers,
        "events": events_with_details(complaint.events.select_related("actor"), agency=complaint.agency),
        "replies": complaint.replies.all(),
        # Shown as links by number. merged_into too: the related manager sets it on each row.
        "duplicates": complaint.merged.only("pk", "tracking_number", "merged_into"),
        "recaps": recaps,
        # Anonymous complaints keep the complainant's identity from the agencies.
        "show_identity": not complaint.anonymous or user.has_role(Role.PROCESSOR, Role.REVIEWER, Role.SUPERVISOR),
    }
    return render(request, "cases/complaint.html", context, status=status)


def _recap_steps(recaps: list) -> list[Step]:
    """The steps 6 and 7 of the recaps that cover the complaint, by the recaps' end, then number.

    Read by the recaps' ids, and not at all when none covers it (most complaints): joined through
    the recaps' complaints instead, PostgreSQL may walk every step in parallel to find none.
    """
    if not recaps:
        return []
    by_pk = {recap.pk: recap for recap in recaps}
    steps = list(Step.objects.filter(recap__in=list(by_pk)).select_related("sop_step", "completed_by"))
    for step in steps:
        step.recap = by_pk[step.recap_id]
    return sorted(steps, key=lambda s: (s.recap.period_end, s.recap_id, s.number))


def _current_answer(complaint: Complaint, answers: list[Answer]) -> Answer | None:
    """Complaint.current_answer() (the newest of the round not returned), from the answers already read."""
    current = (a for a in answers if a.round == complaint.round and a.status != Answer.Status.RETURNED)
    return max(current, key=lambda a: (a.created_at, a.pk), default=None)


@login_required
def complaint(request, pk: int):
    return _complaint_page(request, _visible_complaint(request, pk))


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    table = _action_table()
    if action not in table:
        raise Http404
    complaint = _visible_complaint(request, pk)
    form_class, do, done = table[action]
    try:
        # Who first (403), then whether now: nothing is validated for someone who may not act.
        actions.check(request.user, action, complaint)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect(complaint)
    form = form_class(request.POST, complaint=complaint, user=request.user, prefix=action)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _complaint_page(request, complaint, bound=(action, form))
    try:
        do(complaint, request.user, form.cleaned_data)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(complaint)


@login_required
def complaint_attachment(request, pk: int, attachment_pk: int):
    complaint = _visible_complaint(request, pk)
    attachment = get_object_or_404(complaint.attachments, pk=attachment_pk)
    if not attachment.file:
        raise Http404
    # The type was sniffed from the bytes on upload (sigap.cases.attachments); nosniff is on, and the
    # sandbox keeps a crafted PDF from running anything in the staff's session.
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type or "application/octet-stream")
    response["Content-Security-Policy"] = "sandbox"
    return response


def events_with_details(events, *, agency: Agency | None = None) -> list[dict]:
    """What _events.html shows of each event, its "what changed" rows with agency codes shown by name.

    The names are read in one query, and none when every code is that of `agency` (the
    complaint's own, already loaded): most histories name only the agency it went to. The cells
    are worked out here, as the queues' are (_step_rows): a long history made many filters.
    """
    events = list(events)
    codes = {e.data.get("agency") for e in events if isinstance(e.data, dict)}
    codes = {code for code in codes if code and isinstance(code, str)}
    names = {agency.code: agency.abbreviation} if agency is not None else {}
    if codes - names.keys():
        names = dict(Agency.objects.filter(code__in=codes).values_list("code", "abbreviation"))
    system = _("system")
    return [
        {
            "kind": e.kind,
            "label": event_label(e.kind),
            "iso": timezone.localtime(e.at).isoformat(),  # as the date filter's "c" writes it
            "at": wib(e.at),
            "actor": str(e.actor) if e.actor else (e.actor_name or system),
            # (label, value, is_link, the value shortened as shown)
            "rows": [
                (label, value, is_link, Truncator(value).chars(70 if is_link else 300))
                for label, value, is_link in event_details(e, names)
            ],
        }
        for e in events
    ]


# Lists ------------------------------------------------------------------------------------


@login_required
def complaints(request):
    user = request.user
    rows = (
        Complaint.objects.for_user(user)
        .select_related("agency")
        .only(*_COMPLAINT_ROW, "received_at", *(f"agency__{f}" for f in _AGENCY_ROW))
        .order_by("-received_at", "-pk")
    )
    form = forms.ComplaintFilterForm(request.GET or None)
    if form.is_valid():
        d = form.cleaned_data
        if d["status"]:
            rows = rows.filter(status=d["status"])
        if d["platform"]:
            rows = rows.filter(platform=d["platform"])
        if d["agency"]:
            rows = rows.filter(agency=d["agency"])
        if d["q"].strip():
            rows = rows.filter(_search(d["q"].strip(), user, rows))
    # Never counted: a million complaints would cost more to count than to show (sigap.lib.pages).
    page = Page(rows, page_number(request.GET.get("page")), 25)
    return render(request, "cases/complaints.html", {"form": form, "page": page, "rows": _complaint_rows(page)})


def _complaint_rows(complaints) -> list[dict]:
    """The staff list's cells, worked out here rather than by a filter or lookup per cell."""
    statuses, platforms = status_labels(), platform_labels()
    return [
        {
            "url": c.get_absolute_url(),
            "title": str(c),
            "status": c.status,
            "status_label": statuses.get(c.status, c.status),
            "platform": c.platform,
            "platform_label": platforms.get(c.platform, c.platform),
            "name": c.display_name(),
            "excerpt": Truncator(c.text).words(12, truncate=" …"),
            "agency": str(c.agency) if c.agency else "–",
            "received": wib(c.received_at),
        }
        for c in complaints
    ]


def _search(q: str, user, rows) -> Q:
    # The desk sees who complained even when the complaint is anonymous; the agency does not.
    return search.complaints_matching(q, rows, identity=user.has_role(Role.PROCESSOR, Role.REVIEWER, Role.SUPERVISOR))


@login_required
def overdue(request):
    user, now = request.user, timezone.now()
    late = Step.objects.overdue(now).for_user(user)
    cells = _overdue_cells(late)
    by_role, by_agency = _per_role(cells), _per_agency(cells)
    rows = late.select_related("complaint__agency", "recap__agency", "sop_step").only(*_STEP_ROW, "sop_step__name")
    agency = request.GET.get("agency", "")
    if agency == "none":
        rows = rows.filter(complaint__isnull=False, complaint__agency=None)
        listed = _per_role([{**c, "n": c["complaints"]} for c in cells if c["complaint__agency"] is None])
    elif agency.isdigit():
        rows = rows.filter(complaint__agency_id=int(agency))
        listed = _per_role([c for c in cells if c["complaint__agency"] == int(agency)])
    else:
        listed = by_role
    groups: dict[str, list[dict]] = {}
    # The longest-overdue first, a page's worth: the totals above count them all, and rendering
    # thousands of rows is what made this page slow at a million complaints.
    shown = _first_overdue(rows, listed)
    for row in _step_rows(shown, now, words=10, step_name=True):
        groups.setdefault(row["role"], []).append(row)
    context = {
        "now": now,
        "total": sum(r["n"] for r in by_role),
        "by_role": by_role,
        "by_agency": by_agency,
        "largest_role": max((r["n"] for r in by_role), default=0),
        "largest_agency": max((r["n"] for r in by_agency), default=0),
        "groups": [(role, groups[role]) for role in groups],
        "shown_only": len(shown) if len(shown) == OVERDUE_SHOWN else None,
        "agency_filter": agency,
    }
    return render(request, "cases/overdue.html", context)


def _overdue_cells(late) -> list[dict]:
    """Overdue steps counted per role and complaint agency: `n` steps, `complaints` of them a complaint's.

    One grouped query for every total of the page: each count reads every overdue step and its
    complaint, and at a million complaints that reading, not the grouping, is what costs.
    """
    cells = (
        late.values("role", "complaint__agency", "complaint__agency__abbreviation", "complaint__agency__name")
        .annotate(n=Count("pk"), complaints=Count("complaint"))
        .order_by()
    )
    with without_parallel_workers():
        return list(cells)


def _per_role(cells: list[dict]) -> list[dict]:
    roles: dict[str, int] = {}
    for cell in cells:
        roles[cell["role"]] = roles.get(cell["role"], 0) + cell["n"]
    return [{"role": role, "n": n} for role, n in sorted(roles.items(), key=lambda item: (-item[1], item[0])) if n]


def _per_agency(cells: list[dict]) -> list[dict]:
    """Complaint steps only (a recap's steps have no agency); "no agency yet" is the key None."""
    agencies: dict[tuple, int] = {}
    for cell in cells:
        key = (cell["complaint__agency"], cell["complaint__agency__abbreviation"], cell["complaint__agency__name"])
        agencies[key] = agencies.get(key, 0) + cell["complaints"]
    ordered = sorted(agencies.items(), key=lambda item: (-item[1], item[0][2] is None, item[0][2] or ""))
    keys = ("complaint__agency", "complaint__agency__abbreviation", "complaint__agency__name")
    return [{**dict(zip(keys, key)), "n": n} for key, n in ordered if n]


def _first_overdue(rows, per_role: list[dict]) -> list[Step]:
    """The first OVERDUE_SHOWN rows by role, then longest overdue first, as ORDER BY role, due_at.

    A query per role, each walking index step_open_due in deadline order and stopping at that
    role's count: sorting every overdue step by role took longer than these few short walks.
    """
    shown: list[Step] = []
    for role, n in sorted((r["role"], r["n"]) for r in per_role):
        take = min(n, OVERDUE_SHOWN - len(shown))
        if take <= 0:
            break
        shown += rows.filter(role=role).order_by("due_at", "pk")[:take]
    return shown


@login_required
def notifications(request):
    mine = Notification.objects.for_user(request.user)
    if request.method == "POST":
        unread = mine.filter(read_at=None)
        if request.POST.get("id", "").isdigit():
            unread = unread.filter(pk=int(request.POST["id"]))
        unread.update(read_at=timezone.now())
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return redirect("notifications")
    page = Paginator(mine.select_related("step"), 30).get_page(request.GET.get("page"))
    return render(request, "cases/notifications.html", {"page": page, "list_url": reverse("notifications")})
