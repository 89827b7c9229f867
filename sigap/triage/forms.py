"""Forms of the triage queue and the complaint page's routing box: they validate; decide.py acts."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency, Category
from sigap.triage.models import Label
from sigap.triage.pii import pii_kinds

MAX_ANSWER = 2000


class DecideForm(forms.Form):
    label = forms.ChoiceField(label=_("Decision"), choices=Label.choices)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Posted under the citizen's message by the outbox. No personal data: replies are public."),
    )

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Write the answer."))
        found = pii_kinds(text)
        if found:
            raise ValidationError(
                _("The answer contains personal data (%(kinds)s); replies are public.") % {"kinds": ", ".join(found)}
            )
        return text


class CloseQuestionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RoutingCorrectForm(forms.Form):
    category = forms.ModelChoiceField(
        Category.objects.filter(active=True), label=_("Category"), required=False, empty_label=_("(keep)")
    )
    agency = forms.ModelChoiceField(
        Agency.objects.filter(active=True), label=_("Agency (OPD)"), required=False, empty_label=_("(its usual agency)")
    )

    def clean(self):
        data = super().clean()
        if not data.get("category") and not data.get("agency"):
            raise ValidationError(_("Choose a category or an agency."))
        return data
