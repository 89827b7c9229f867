"""Complaints (aduan), the messages they came from, their SOP step clocks and their audit trail."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.people.models import Role
from sigap.platforms.models import Account, PlatformName
from sigap.sop.models import SopStep, SopVersion


class Status(models.TextChoices):
    NEW = "new", _("New, awaiting receipt")  # step 2 open
    RECEIVED = "received", _("Received, to be registered")  # step 3 open
    REGISTERED = "registered", _("Registered, to be forwarded")  # step 4 open
    FORWARDED = "forwarded", _("Forwarded to the agency")  # step 4 open
    ANSWERED = "answered", _("Answered, awaiting review")  # step 4 open
    APPROVED = "approved", _("Answer approved, to be posted")  # step 5 open
    POSTED = "posted", _("Answer posted")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another complaint")


OPEN_STATUSES = [Status.NEW, Status.RECEIVED, Status.REGISTERED, Status.FORWARDED, Status.ANSWERED, Status.APPROVED]


class ComplaintQuerySet(models.QuerySet):
    def for_user(self, user) -> "ComplaintQuerySet":
        """What a user may see: liaisons only their own agency's complaints."""
        if user.role == Role.LIAISON and not user.is_admin:
            return self.filter(agency_id=user.agency_id) if user.agency_id else self.none()
        return self


class Complaint(models.Model):
    tracking_number = models.CharField(_("tracking number"), max_length=24, unique=True, null=True, blank=True)
    sop = models.ForeignKey(SopVersion, on_delete=models.PROTECT, related_name="complaints")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    round = models.PositiveSmallIntegerField(_("round"), default=1, help_text=_("Goes up each time it is reopened."))

    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices)
    account = models.ForeignKey(
        Account, verbose_name=_("city account"), null=True, blank=True, on_delete=models.SET_NULL
    )
    complainant_id = models.CharField(_("complainant's platform id"), max_length=120, blank=True)
    complainant_handle = models.CharField(_("handle"), max_length=120, blank=True)
    complainant_name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    text = models.TextField(_("complaint text"))
    permalink = models.URLField(_("link to the post"), max_length=500, blank=True)
    posted_at = models.DateTimeField(_("posted at"))
    received_at = models.DateTimeField(_("received by Sigap at"), default=timezone.now)
    thread_key = models.CharField(max_length=300, blank=True, db_index=True)

    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT)
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT)
    kelurahan = models.ForeignKey(Kelurahan, verbose_name=_("kelurahan"), null=True, blank=True, on_delete=models.SET_NULL)
    confidential = models.BooleanField(_("confidential (rahasia)"), default=False)
    anonymous = models.BooleanField(_("anonymous (anonim)"), default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when sigap.ops.privacy replaced the complainant's personal data with pseudonyms.
    pseudonymised_at = models.DateTimeField(_("pseudonymised at"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["status", "posted_at"], name="complaint_status_posted"),
            models.Index(fields=["agency", "status"], name="complaint_agency_status"),
            # sigap.ops.privacy: finished complaints whose personal data is still held.
            models.Index(fields=["closed_at"], condition=Q(pseudonymised_at=None), name="complaint_to_pseudonymise"),
            # The staff list (newest received first) and the API list (newest posted first, keyset pages).
            models.Index(fields=["received_at", "id"], name="complaint_received"),
            models.Index(fields=["posted_at", "id"], name="complaint_posted"),
        ]

    def __str__(self) -> str:
        return self.tracking_number or _("Complaint #%(pk)s") % {"pk": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("complaint", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def display_name(self) -> str:
        if self.anonymous:
            return str(_("Anonymous"))
        return self.complainant_name or self.complainant_handle or "-"

    def open_step(self) -> "Step | None":
        return self.steps.filter(completed_at=None).order_by("number").first()

    def current_answer(self) -> "Answer | None":
        return self.answers.filter(round=self.round).exclude(status=Answer.Status.RETURNED).first()

    def can_view(self, user) -> bool:
        return Complaint.objects.for_user(user).filter(pk=self.pk).exists()

    def check_view(self, user) -> None:
        if not self.can_view(user):
            raise PermissionDenied


class TriageState(models.TextChoices):
    """Where an inbound message stands in triage (sigap.triage.decide); the decisions themselves are rows."""

    NONE = "", _("Not triaged")  # entered with the form, or stored before triage existed
    PENDING = "pending", _("Waiting for a person to triage")
    TO_ANSWER = "to_answer", _("Question waiting for an operator's answer")
    DONE = "done", _("Triaged")


TRIAGE_WAITING = [TriageState.PENDING, TriageState.TO_ANSWER]


class Message(models.Model):
    """One inbound message, kept verbatim: the evidence a complaint rests on."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL)
    external_id = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, default="post")
    thread_id = models.CharField(max_length=200, blank=True)
    parent_id = models.CharField(max_length=200, blank=True)
    author_id = models.CharField(max_length=120, blank=True)
    author_handle = models.CharField(max_length=120, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    permalink = models.URLField(max_length=500, blank=True)
    posted_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    raw = models.JSONField(default=dict, blank=True)
    triage_state = models.CharField(
        _("triage"), max_length=12, choices=TriageState.choices, default=TriageState.NONE, blank=True
    )
    pseudonymised_at = models.DateTimeField(_("pseudonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["posted_at", "pk"]
        constraints = [
            # Platforms redeliver webhooks: the same platform id must never make a second row.
            models.UniqueConstraint(
                fields=["platform", "external_id"], condition=~Q(external_id=""), name="message_platform_id_unique"
            )
        ]
        indexes = [
            # The triage queue (sigap.triage.views) and the menu's count: waiting messages, oldest first.
            models.Index(
                fields=["triage_state", "posted_at"], condition=Q(triage_state__in=TRIAGE_WAITING), name="message_triage_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id or self.pk}"

    @property
    def thread_key(self) -> str:
        return f"{self.platform}:{self.account_id or ''}:{self.thread_id}:{self.author_id}" if self.thread_id else ""


def _attachment_path(attachment: "Attachment", filename: str) -> str:
    # Stored under the content hash: the citizen's file name is never trusted as a path.
    return f"attachments/{attachment.sha256[:2]}/{attachment.sha256}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL)
    url = models.URLField(_("media link"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to=_attachment_path, blank=True)
    name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name or self.url


class Answer(models.Model):
    """The agency's answer (tindak lanjut), reviewed before it is posted back."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for revision")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="answers")
    round = models.PositiveSmallIntegerField(default=1)
    agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT)
    text = models.TextField(_("answer"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    posted_link = models.URLField(_("link to the posted reply"), max_length=500, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class StepQuerySet(models.QuerySet):
    def open(self) -> "StepQuerySet":
        return self.filter(completed_at=None)

    def overdue(self, now: datetime | None = None) -> "StepQuerySet":
        return self.filter(completed_at=None, due_at__lt=now or timezone.now())

    def for_user(self, user) -> "StepQuerySet":
        if user.role == Role.LIAISON and not user.is_admin:
            return self.filter(complaint__agency_id=user.agency_id) if user.agency_id else self.none()
        return self

    def on_time_rate(self) -> float | None:
        done = self.exclude(completed_at=None).aggregate(
            n=models.Count("pk"), on_time=models.Count("pk", filter=Q(on_time=True))
        )
        return 100.0 * done["on_time"] / done["n"] if done["n"] else None


class Step(models.Model):
    """One SOP step's clock for one complaint (steps 2–5) or one recap (steps 6–7)."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="steps")
    recap = models.ForeignKey("recaps.Recap", null=True, blank=True, on_delete=models.CASCADE, related_name="steps")
    sop_step = models.ForeignKey(SopStep, on_delete=models.PROTECT)
    number = models.PositiveSmallIntegerField(_("step"))
    round = models.PositiveSmallIntegerField(default=1)
    role = models.CharField(max_length=20, choices=Role.choices)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    on_time = models.BooleanField(_("on time"), null=True)
    overdue_at = models.DateTimeField(_("overdue noticed at"), null=True, blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["number", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "number", "round"], condition=Q(complaint__isnull=False), name="step_complaint_unique"
            ),
            models.UniqueConstraint(fields=["recap", "number"], condition=Q(recap__isnull=False), name="step_recap_unique"),
            models.CheckConstraint(
                condition=Q(complaint__isnull=False, recap__isnull=True) | Q(complaint__isnull=True, recap__isnull=False),
                name="step_has_one_subject",
            ),
        ]
        indexes = [
            # Queues and "overdue now": open steps by deadline.
            models.Index(fields=["due_at"], condition=Q(completed_at=None), name="step_open_due"),
            # The clock watch (sigap worker): open, past due, not yet noticed.
            models.Index(fields=["due_at"], condition=Q(completed_at=None, overdue_at=None), name="step_watch"),
            # "% on time" per step over a period.
            models.Index(fields=["number", "completed_at", "on_time"], name="step_done"),
            # Each step's queue tab: its open steps by deadline, counted without touching the table.
            models.Index(fields=["number", "due_at", "id"], condition=Q(completed_at=None), name="step_open_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.subject()} step {self.number}"

    def subject(self):
        return self.complaint or self.recap

    def is_overdue(self, now: datetime | None = None) -> bool:
        if self.completed_at:
            return not self.on_time
        return self.due_at < (now or timezone.now())

    def time_left(self, now: datetime | None = None) -> timedelta:
        return self.due_at - (now or timezone.now())

    def duration(self) -> timedelta | None:
        return self.completed_at - self.started_at if self.completed_at else None


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The event log is append-only.")

    def delete(self):
        raise PermissionDenied("The event log is append-only.")


class Event(models.Model):
    """The audit trail: who did what, when, and what changed. Append-only."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    recap = models.ForeignKey("recaps.Recap", null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)
    # The hash chain (sigap.ops.audit): written once by the sealer, shortly after the event.
    sequence = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["complaint", "at"], name="event_complaint_at"),
            # The sealer's queue: events not yet in the chain, oldest id first.
            models.Index(fields=["id"], condition=Q(sequence=None), name="event_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The event log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The event log is append-only.")


class EventChainHead(models.Model):
    """The one row at the head of the event chain: the last sealed event's number and hash.

    The sealer claims it (row lock, then a conditional update) so two workers never extend the
    chain at once; `sigap audit verify` compares the chain's end with it, so cutting events off
    the end is noticed too.
    """

    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"#{self.sequence} {self.entry_hash[:16]}"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        return self.filter(user=user)


class Notification(models.Model):
    """An in-app notice to one person (and, if they have an address, an e-mail)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30, default="overdue")
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Even if two workers race, nobody hears about one overdue step twice.
            models.UniqueConstraint(fields=["user", "step", "kind"], condition=Q(step__isnull=False), name="notify_once")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]


class ReplyQuerySet(models.QuerySet):
    def due(self, now: datetime | None = None) -> "ReplyQuerySet":
        return self.filter(status=Reply.Status.PENDING, send_after__lte=now or timezone.now())


class Reply(models.Model):
    """The outbox: every message Sigap posts to a platform, sent by `sigap worker`.

    A row is claimed (pending → sending) before the platform is called, so two workers never
    post it twice; a row left in "sending" by a crash is never re-sent blindly but handed to a
    person to check (status UNCERTAIN), because the post may have gone out.
    """

    class Kind(models.TextChoices):
        ACK = "ack", _("Acknowledgement with the tracking number (step 3)")
        ANSWER = "answer", _("The agency's answer (step 5)")
        AUTO = "auto", _("Automatic reply")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed: needs a person")
        UNCERTAIN = "uncertain", _("Interrupted while sending: check the platform")
        CANCELLED = "cancelled", _("Cancelled")

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    platform = models.CharField(max_length=20, choices=PlatformName.choices)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField()
    private = models.BooleanField(default=False)
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # A long answer may go out as numbered parts; a retry resumes after the parts already posted.
    parts_sent = models.PositiveSmallIntegerField(default=0)
    external_id = models.CharField(max_length=200, blank=True)
    permalink = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            # One acknowledgement and one answer per complaint and round, however often it is queued.
            models.UniqueConstraint(
                fields=["complaint", "kind", "round"],
                condition=Q(complaint__isnull=False) & ~Q(kind="auto"),
                name="reply_once_per_round",
            )
        ]
        indexes = [
            # sigap worker: pending replies whose time has come.
            models.Index(fields=["send_after"], condition=Q(status="pending"), name="reply_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.platform} ({self.get_status_display()})"
