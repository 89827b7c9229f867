from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last sign of life of one background loop (`sigap worker`), for /healthz and /metrics."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    beat_at = models.DateTimeField(_("last beat"))
    host = models.CharField(_("host"), max_length=120, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class RateCounter(models.Model):
    """One client's request count in one fixed window of one rate limit (sigap.ops.ratelimit).

    `key` names the scope, the window and a keyed hash of the client, never its address.
    Expired rows are only clutter (a later window has another key); the worker prunes them.
    """

    key = models.CharField(max_length=100)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)  # for ratelimit.prune_expired

    class Meta:
        # A constraint rather than unique=True: on PostgreSQL that would add a second, LIKE-pattern
        # index to every write, and the key is only ever looked up by equality.
        constraints = [models.UniqueConstraint(fields=["key"], name="ops_ratecounter_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.count}"
