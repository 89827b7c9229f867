from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency
from sigap.cases.forms import DateInput
from sigap.platforms.models import PlatformName


class RecapForm(forms.Form):
    """A period of whole local days; a period ending today runs up to the moment the recap is made."""

    period_from = forms.DateField(label=_("From"), widget=DateInput())
    period_to = forms.DateField(
        label=_("To"), widget=DateInput(), help_text=_("Inclusive. If the period ends today, the recap covers up to now.")
    )
    agency = forms.ModelChoiceField(
        Agency.objects.filter(active=True), label=_("Agency (OPD)"), required=False, empty_label=_("All agencies")
    )
    platform = forms.ChoiceField(label=_("Platform"), required=False, choices=[("", _("All platforms"))] + PlatformName.choices)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start is None or end is None:
            return data
        today = timezone.localdate()
        if end < start:
            self.add_error("period_to", _("The end date must not be before the start date."))
        elif end > today:
            self.add_error("period_to", _("The period has not ended yet: choose an end date up to today."))
        return data

    def period(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.cleaned_data["period_from"], time.min, tzinfo=tz)
        end = datetime.combine(self.cleaned_data["period_to"] + timedelta(days=1), time.min, tzinfo=tz)
        return start, min(end, timezone.now())


class ArchiveForm(forms.Form):
    reference = forms.CharField(
        label=_("Archive reference"), max_length=200, required=False,
        help_text=_("Where the recap is filed, e.g. the archive register number."),
    )
