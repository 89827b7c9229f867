from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Feedback(models.Model):
    """What the citizen said on the tracking page about an answered complaint.

    One rating and one reopen request per complaint and round: a second submission is refused,
    so a reloaded form cannot count twice. The comment is for staff only; never shown publicly.
    """

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating")
        REOPEN = "reopen", _("Request to reopen")

    complaint = models.ForeignKey("cases.Complaint", on_delete=models.CASCADE, related_name="feedback")
    round = models.PositiveSmallIntegerField(_("round"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("citizen feedback")
        verbose_name_plural = _("citizen feedback")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "round", "kind"], name="feedback_once_per_round"),
            models.CheckConstraint(
                condition=models.Q(kind="reopen") | models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.kind} {self.rating or ''}".strip()
