"""Connectors: where a complaint goes after the desk forwards it, and who hears about every event.

Three kinds. *Built-in* (the default, and what happens with no connector at all): the agency
answers inside Sigap. *Open311*: the forwarded complaint is posted to another complaint system's
GeoReport v2 endpoint and its answer is pulled back into step 4 (sigap.connectors.forwarding).
*Webhook*: every event is posted, signed, to a URL (sigap.connectors.webhooks).

Secrets are never stored here, only where to read them (an environment variable or a file), as
for the city's platform accounts.
"""

import os
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Connector(models.Model):
    class Kind(models.TextChoices):
        BUILTIN = "builtin", _("Built-in: agencies answer inside Sigap")
        OPEN311 = "open311", _("Open311 GeoReport v2 system")
        WEBHOOK = "webhook", _("Signed webhook")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BUILTIN)
    active = models.BooleanField(_("active"), default=True)
    url = models.URLField(
        _("URL"),
        max_length=500,
        blank=True,
        help_text=_("Open311: the endpoint's base, e.g. https://ulas.example.id/open311/v2. Webhook: the URL to post to."),
    )
    secret_env = models.CharField(
        _("secret environment variable"),
        max_length=100,
        blank=True,
        help_text=_("Holds the Open311 api_key or the webhook signing secret."),
    )
    secret_file = models.CharField(_("secret file"), max_length=300, blank=True)
    timeout = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=15)

    # Open311 ----------------------------------------------------------------------------------
    jurisdiction_id = models.CharField(_("jurisdiction_id"), max_length=100, blank=True)
    service_codes = models.JSONField(
        _("service codes"),
        default=dict,
        blank=True,
        help_text=_("Our service code → theirs, e.g. {\"penerangan-jalan-umum\": \"PJU\"}. Unlisted codes are sent as they are."),
    )
    default_service_code = models.CharField(
        _("service code for complaints without a category"), max_length=100, blank=True
    )
    agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("agencies"),
        blank=True,
        help_text=_("Only complaints forwarded to these agencies go to this system; none selected: all of them."),
    )
    share_full_text = models.BooleanField(
        _("send the full text"),
        default=False,
        help_text=_("Off: the text is masked as on the public tracking page. Confidential complaints are always masked."),
    )
    include_confidential = models.BooleanField(
        _("forward confidential complaints"),
        default=False,
        help_text=_("Off: confidential complaints stay inside Sigap."),
    )
    auto_approve = models.BooleanField(
        _("approve answers automatically"),
        default=False,
        help_text=_("On: an answer from this system completes step 4 at once. Off: a reviewer approves it as usual."),
    )
    poll_interval = models.PositiveIntegerField(_("check for answers every (seconds)"), default=300)
    use_updates = models.BooleanField(
        _("read service-request updates"),
        default=True,
        help_text=_("mySociety's servicerequestupdates extension; turned off by itself when the system lacks it."),
    )

    # Webhook ----------------------------------------------------------------------------------
    event_kinds = models.CharField(
        _("events"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated event kinds, e.g. forwarded,approved,closed. Empty: every event."),
    )

    # State ------------------------------------------------------------------------------------
    # The user its answers are recorded as: inactive, no password, so nobody can log in as it.
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    next_poll_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    updates_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind != self.Kind.BUILTIN and not self.url:
            raise ValidationError({"url": _("This kind of connector needs a URL.")})
        if self.url and not self.url.lower().startswith(("http://", "https://")):
            raise ValidationError({"url": _("The URL must start with http:// or https://.")})
        if self.kind == self.Kind.WEBHOOK and not (self.secret_env or self.secret_file):
            raise ValidationError(_("A webhook needs a signing secret: name its environment variable or file."))
        if not isinstance(self.service_codes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.service_codes.items()
        ):
            raise ValidationError({"service_codes": _("Must be a JSON object of codes, e.g. {\"ours\": \"theirs\"}.")})
        if not 1 <= self.timeout <= 120:
            raise ValidationError({"timeout": _("Between 1 and 120 seconds.")})

    def secret(self) -> str:
        """The api_key or signing secret; empty when none is configured or it cannot be read."""
        if self.secret_file:
            try:
                return Path(self.secret_file).read_text().strip()
            except OSError:
                return ""
        if self.secret_env:
            return os.getenv(self.secret_env, "").strip()
        return ""

    def secret_source(self) -> str:
        """Where the secret comes from, for lists and checks; never the secret itself."""
        if self.secret_file:
            return f"file {self.secret_file}"
        if self.secret_env:
            return f"env {self.secret_env}"
        return "no secret"

    def wants_event(self, kind: str) -> bool:
        kinds = {k.strip() for k in self.event_kinds.split(",") if k.strip()}
        return not kinds or kind in kinds

    def service_code_for(self, our_code: str) -> str:
        return (self.service_codes or {}).get(our_code, our_code)

    def acting_user(self):
        """The connector's own user, made on first use, that its answers in step 4 are recorded as."""
        from sigap.people.models import Role, User

        if self.actor_id:
            return self.actor
        user, _created = User.objects.get_or_create(
            username=f"connector-{self.pk}",
            defaults={"first_name": self.name[:150], "role": Role.REVIEWER, "is_active": False},
        )
        if _created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Connector.objects.filter(pk=self.pk, actor=None).update(actor=user)
        self.actor = user
        return user


class LeasedJobQuerySet(models.QuerySet):
    """Rows that are jobs: waiting until `next_attempt_at`, or claimed by a worker at `claimed_at`."""

    state_field = "state"

    def next_due(self, now: datetime, lease):
        """The next one waiting to be sent, else one claimed by a worker that did not finish within the lease.

        Two indexed queries rather than one OR, which would read the whole table on every pass.
        """
        pending = self.filter(**{self.state_field: "pending", "next_attempt_at__lte": now}).order_by("next_attempt_at", "pk")
        stale = self.filter(**{self.state_field: "sending", "claimed_at__lt": now - lease}).order_by("claimed_at", "pk")
        return pending.first() or stale.first()


class ForwardLinkQuerySet(LeasedJobQuerySet):
    state_field = "state"


class ForwardLink(models.Model):
    """One complaint (one round of it) in another complaint system, through an Open311 connector."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent; waiting for the answer")
        ANSWERED = "answered", _("Answer received")
        FAILED = "failed", _("Failed: needs a person")
        SKIPPED = "skipped", _("Not forwarded")

    complaint = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="forward_links")
    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="links")
    round = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    remote_id = models.CharField(_("their service_request_id"), max_length=100, blank=True)
    token = models.CharField(_("their token"), max_length=100, blank=True)
    remote_status = models.CharField(_("their status"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answer received at"), null=True, blank=True)

    objects = ForwardLinkQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("forwarded complaint")
        verbose_name_plural = _("forwarded complaints")
        constraints = [
            # Forwarded twice (another agency, a retry of the action): still one request per round.
            models.UniqueConstraint(fields=["complaint", "connector", "round"], name="forward_once_per_round"),
        ]
        indexes = [
            # sigap worker (forwarding.forward_one): pending links whose time has come.
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="forward_due"),
            # …and links a worker claimed, to take over those it left behind.
            models.Index(fields=["claimed_at"], condition=Q(state="sending"), name="forward_sending"),
            # Matching the other system's updates to our complaints.
            models.Index(fields=["connector", "remote_id"], name="forward_remote_id"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} → {self.connector} ({self.get_state_display()})"


class RemoteUpdate(models.Model):
    """A status change the other system reported for a forwarded complaint, kept once per update id."""

    link = models.ForeignKey(ForwardLink, on_delete=models.CASCADE, related_name="updates")
    update_id = models.CharField(max_length=120)
    status = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)
    at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(default=False, help_text=_("Recorded as the agency's answer."))
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            # The same update read twice (overlapping windows, two pages, a retry) is applied once.
            models.UniqueConstraint(fields=["link", "update_id"], name="remote_update_once"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id}:{self.update_id} {self.status}"


class WebhookDeliveryQuerySet(LeasedJobQuerySet):
    state_field = "status"


class WebhookDelivery(models.Model):
    """One event for one webhook connector: the exact bytes to sign and send, retried until delivered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed: needs a person")

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("cases.Event", on_delete=models.CASCADE, related_name="+")
    complaint = models.ForeignKey(
        "cases.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event_kind = models.CharField(_("event"), max_length=40)
    body = models.TextField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outgoing webhook")
        verbose_name_plural = _("outgoing webhooks")
        constraints = [models.UniqueConstraint(fields=["connector", "event"], name="webhook_once_per_event")]
        indexes = [
            # sigap worker (webhooks.send_one_webhook): pending deliveries whose time has come.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="webhook_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} → {self.connector} ({self.get_status_display()})"
