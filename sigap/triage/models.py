"""What the desk decides about inbound messages, and what it suggests for complaints.

- `Decision`: one triage decision on one message (the model's or a person's), append-only.
- `ReplyTemplate`: the polite replies to greetings and the answers to common questions.
- `RoutingSuggestion`: a complaint's top-3 categories and agencies, places and kinds of personal
  data, as the router saw them when it opened; `RoutingDecision`: a person confirming or
  correcting that suggestion, append-only.
- `DuplicateLink`: two open complaints that look like the same problem, for a person to merge or
  keep apart.

The human rows (decisions with `by`, routing decisions) are what `sigap train` learns from.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency, Category
from sigap.cases.models import Complaint, Message, Reply


class Label(models.TextChoices):
    COMPLAINT = "aduan", _("Complaint (aduan)")
    QUESTION = "pertanyaan", _("Question (pertanyaan)")
    GREETING = "sapaan", _("Greeting (sapaan)")
    OTHER = "lainnya", _("Other (lainnya)")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Decisions are append-only.")

    def delete(self):
        raise PermissionDenied("Decisions are append-only.")


class AppendOnly(models.Model):
    """A row that is written once: a later decision is a new row, never an edit."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Decisions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Decisions are append-only.")


class Decision(AppendOnly):
    """One triage decision: by the model (`by` empty) or by a person in the triage queue."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Waiting for a person")
        OPENED = "opened", _("Complaint opened")
        FOLLOW_UP = "follow_up", _("Added to the open complaint of its thread")
        GREETED = "greeted", _("Greeting reply queued")
        ANSWERED = "answered", _("Answer template queued")
        TO_ANSWER = "to_answer", _("Waiting for an operator's answer")
        NO_REPLY = "no_reply", _("No reply needed")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="triage_decisions")
    label = models.CharField(_("label"), max_length=12, choices=Label.choices)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    final = models.BooleanField(_("final"), default=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("decided at"), default=timezone.now)
    model = models.CharField(_("model"), max_length=60, blank=True)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template = models.ForeignKey("ReplyTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")
        indexes = [
            models.Index(fields=["message", "at"], name="triage_decision_message"),
            # `sigap train`: the people's decisions.
            models.Index(fields=["at"], condition=models.Q(by__isnull=False), name="triage_decision_human"),
        ]

    def __str__(self) -> str:
        return f"{self.message} → {self.label}"

    @property
    def by_model(self) -> bool:
        return self.by_id is None


class ReplyTemplate(models.Model):
    """A reply Sigap may post by itself: to a greeting, or to a question its keywords match.

    The text goes out verbatim, often under a public comment: it must not hold personal data
    (checked on save), and it holds no link, because X refuses links in replies sent by API.
    """

    class Kind(models.TextChoices):
        GREETING = "greeting", _("Greeting reply")
        QUESTION = "question", _("Answer to a question")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        help_text=_(
            "One per line. A question gets this answer when it contains one of them; a greeting reply "
            "without keywords is the default."
        ),
    )
    text = models.TextField(_("text"), max_length=1000, help_text=_("Posted as written, without personal data."))
    language = models.CharField(
        _("language"), max_length=2, choices=[("id", "Bahasa Indonesia"), ("jv", "Basa Jawa")], default="id"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]

    def clean(self):
        from sigap.triage.pii import pii_kinds

        found = pii_kinds(self.text)
        if found:
            raise ValidationError(
                {"text": _("The text contains personal data (%(kinds)s); replies are public.") % {"kinds": ", ".join(found)}}
            )
        if self.kind == self.Kind.QUESTION and not self.keyword_list():
            raise ValidationError({"keywords": _("An answer to questions needs at least one keyword.")})


class RoutingSuggestion(models.Model):
    """What the router suggested when the complaint opened; written once per complaint."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(max_length=10)  # "keywords" or "model"
    categories = models.JSONField(default=list, blank=True)  # [{"id", "name", "score"}], best first
    agencies = models.JSONField(default=list, blank=True)  # [{"id", "code", "name", "score"}], best first
    places = models.JSONField(default=list, blank=True)  # [{"kind", "name", "kecamatan"}]
    pii = models.JSONField(default=list, blank=True)  # kinds: nik, phone, email, plate
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("routing suggestion")
        verbose_name_plural = _("routing suggestions")

    def __str__(self) -> str:
        return f"{self.complaint}: {self.top_category_name or '-'} / {self.top_agency_code or '-'}"

    @property
    def top_category_id(self) -> int | None:
        return self.categories[0]["id"] if self.categories else None

    @property
    def top_category_name(self) -> str:
        return self.categories[0]["name"] if self.categories else ""

    @property
    def top_agency_id(self) -> int | None:
        return self.agencies[0]["id"] if self.agencies else None

    @property
    def top_agency_code(self) -> str:
        return self.agencies[0]["code"] if self.agencies else ""


class RoutingDecision(AppendOnly):
    """A person confirming the suggested category and agency, or choosing others."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CORRECTED = "corrected", _("Corrected")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="routing_decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_kind_display()}"


class DuplicateLink(models.Model):
    """`complaint` (the later one) looks like `other` (an earlier open one): merge, or keep apart."""

    class State(models.TextChoices):
        OPEN = "open", _("To be checked")
        MERGED = "merged", _("Merged")
        KEPT_APART = "kept_apart", _("Kept apart")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="duplicate_links")
    other = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="duplicate_backlinks")
    score = models.FloatField(_("similarity"))
    same_person = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [models.UniqueConstraint(fields=["complaint", "other"], name="duplicate_link_unique")]

    def __str__(self) -> str:
        return f"{self.complaint} ~ {self.other} ({self.score:.2f})"


class WaitingOverdue(models.Model):
    """A message still waiting in the triage queue when SOP step 2's deadline passed.

    The row is the claim: it is inserted once per message (unique), so when two workers race,
    only the one whose insert succeeds notifies, and nobody hears about the same message twice.
    """

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="triage_overdue")
    due_at = models.DateTimeField(_("due at"))
    noticed_at = models.DateTimeField(_("noticed at"), default=timezone.now)

    class Meta:
        verbose_name = _("message overdue in triage")
        verbose_name_plural = _("messages overdue in triage")

    def __str__(self) -> str:
        return f"{self.message} (due {self.due_at:%Y-%m-%d %H:%M})"
