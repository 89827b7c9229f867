"""Forms of the staff pages: they validate what people type; the actions do the change."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.cases.attachments import check_upload
from sigap.cases.models import Complaint, Status
from sigap.lib import tracking
from sigap.platforms.models import PlatformName

MAX_ATTACHMENTS = 10  # links and files together, per complaint form
MAX_TEXT = 10_000
MAX_POST_AGE = timedelta(days=365)

# Only web links: a "javascript:" or "data:" link shown to staff would be a trap.
http_url = URLValidator(schemes=["http", "https"], message=_("Enter a link that starts with http:// or https://."))


class HttpUrlField(forms.URLField):
    default_validators = [http_url]
    default_error_messages = {"invalid": _("Enter a link that starts with http:// or https://.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are read in Asia/Jakarta (settings.TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def agency_field(**kwargs) -> forms.ModelChoiceField:
    kwargs.setdefault("empty_label", _("— choose —") if kwargs.get("required", True) else _("— not set —"))
    return forms.ModelChoiceField(Agency.objects.filter(active=True), label=_("Agency (OPD)"), **kwargs)


def category_field(**kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Category.objects.filter(active=True), label=_("Category"), empty_label=_("— not set —"), **kwargs
    )


class ReceiveForm(forms.Form):
    """The Form Aduan Media Sosial (SOP step 2)."""

    platform = forms.ChoiceField(label=_("Platform"), choices=PlatformName.choices)
    permalink = HttpUrlField(
        label=_("Link to the post"), required=False, help_text=_("The comment, post or message as the platform shows it.")
    )
    handle = forms.CharField(label=_("Handle"), max_length=120, required=False, help_text=_("For example @wargasolo."))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("Contact"), max_length=200, required=False, help_text=_("Phone number or e-mail, if the complainant gave one.")
    )
    text = forms.CharField(
        label=_("Complaint text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Copy the complainant's words as they wrote them."),
    )
    posted_at = forms.DateTimeField(
        label=_("Posted at"), widget=LocalDateTimeInput(), help_text=_("When the complainant posted it, in WIB.")
    )
    category = category_field(required=False)
    agency = agency_field(required=False, help_text=_("Leave empty to use the category's usual agency."))
    kelurahan = forms.ModelChoiceField(
        Kelurahan.objects.all(), label=_("Kelurahan"), required=False, empty_label=_("— not set —")
    )
    confidential = forms.BooleanField(
        label=_("Confidential (rahasia)"), required=False, help_text=_("Never shown in public.")
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous (anonim)"), required=False, help_text=_("The complainant's name is hidden from agencies.")
    )
    links = forms.CharField(
        label=_("Attachment links"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Photos or videos on the platform: one link per line."),
    )
    files = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posted_at"].widget.attrs["max"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        # Formatted per request, so that the number lands in the user's language.
        self.fields["files"].help_text = _(
            "Photos (JPEG, PNG, GIF, WebP), MP4 videos or PDF letters; at most %(n)s attachments in all."
        ) % {"n": MAX_ATTACHMENTS}

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Enter the complaint's text."))
        return text

    def clean_posted_at(self):
        posted_at = self.cleaned_data["posted_at"]
        now = timezone.now()
        if posted_at > now:
            raise ValidationError(_("The time posted cannot be in the future."))
        if posted_at < now - MAX_POST_AGE:
            raise ValidationError(_("The time posted cannot be more than a year ago."))
        return posted_at

    def clean_links(self):
        field = HttpUrlField(max_length=1000)
        links, errors = [], []
        for line in self.cleaned_data["links"].splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                links.append(field.clean(line))
            except ValidationError:
                errors.append(ValidationError(_("“%(link)s” is not a link that starts with http:// or https://.") % {"link": line[:100]}))
        if errors:
            raise ValidationError(errors)
        return links

    def clean_files(self):
        checked, errors = [], []
        for upload in self.cleaned_data["files"]:
            try:
                checked.append(check_upload(upload))
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return checked

    def clean(self):
        data = super().clean()
        count = len(data.get("links") or []) + len(data.get("files") or [])
        if count > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(max)s attachments (links and files together); this form has %(count)s.")
                % {"max": MAX_ATTACHMENTS, "count": count}
            )
        return data

    def action_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "platform": d["platform"],
            "permalink": d["permalink"],
            "handle": d["handle"].strip(),
            "name": d["name"].strip(),
            "contact": d["contact"].strip(),
            "text": d["text"],
            "posted_at": d["posted_at"],
            "category": d["category"],
            "agency": d["agency"],
            "kelurahan": d["kelurahan"],
            "confidential": d["confidential"],
            "anonymous": d["anonymous"],
            "links": d["links"],
            "uploads": d["files"],
        }


# The forms of the actions on the complaint page, one per action name in actions.RULES.


class ActionForm(forms.Form):
    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        self.complaint, self.user = complaint, user
        super().__init__(*args, **kwargs)


class RegisterForm(ActionForm):
    ack_via = forms.CharField(
        label=_("Told the complainant via"), max_length=200,
        help_text=_("Where and how the tracking number was sent, e.g. “reply to the Instagram comment”."),
    )
    ack_link = HttpUrlField(label=_("Link to that message"), required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ForwardForm(ActionForm):
    agency = agency_field()
    category = category_field(required=False)
    note = forms.CharField(
        label=_("Note for the agency"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].initial = self.complaint.agency_id
        self.fields["category"].initial = self.complaint.category_id


class AnswerForm(ActionForm):
    text = forms.CharField(
        label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Written to the complainant: it is posted on their platform after review."),
    )

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Write the answer."))
        return text


class ApproveForm(ActionForm):
    pass


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give a reason."))
        return reason


class PostForm(ActionForm):
    link = HttpUrlField(
        label=_("Link to the posted reply"), help_text=_("Open the reply on the platform and copy its link here.")
    )


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("Tracking number of the complaint that carries on"), max_length=40,
        help_text=_("This complaint is closed as a duplicate of that one."),
    )

    def clean_into(self):
        typed = self.cleaned_data["into"]
        number = tracking.normalize(typed, settings.SIGAP_TRACKING_PREFIX)
        into = Complaint.objects.for_user(self.user).filter(tracking_number=number).first() if number else None
        if into is None:
            raise ValidationError(_("No complaint has the tracking number “%(number)s”.") % {"number": typed.strip()[:40]})
        if into.pk == self.complaint.pk:
            raise ValidationError(_("A complaint cannot be merged into itself."))
        if into.status == Status.MERGED:
            raise ValidationError(_("%(number)s was itself merged; merge into the complaint it joined.") % {"number": into})
        return into


class FlagsForm(ActionForm):
    confidential = forms.BooleanField(label=_("Confidential (rahasia)"), required=False)
    anonymous = forms.BooleanField(label=_("Anonymous (anonim)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confidential"].initial = self.complaint.confidential
        self.fields["anonymous"].initial = self.complaint.anonymous


class ComplaintFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + Status.choices)
    platform = forms.ChoiceField(label=_("Platform"), required=False, choices=[("", _("All"))] + PlatformName.choices)
    agency = forms.ModelChoiceField(Agency.objects.all(), label=_("Agency (OPD)"), required=False, empty_label=_("All"))
