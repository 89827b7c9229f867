from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sigap.people import throttle


class LoginForm(AuthenticationForm):
    """Django's login form, refusing to check passwords once too many have failed."""

    throttled = 0  # seconds to wait, when the form was refused for that

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()
        # Checked before the password: while locked, even the right password is refused, so
        # guessing on cannot tell a hit from a miss.
        wait = throttle.login_wait(self.request, username)
        if not wait:
            try:
                return super().clean()
            except ValidationError as error:
                if error.code != "invalid_login":
                    raise
                wait = throttle.login_failed(self.request, username)
                if not wait:
                    raise
        self.throttled = wait
        raise ValidationError(throttle.wait_message(wait), code="throttled")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code in your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("After adding Sigap to the app, type the 6-digit code it shows."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "spellcheck": "false"}
        ),
    )


class ConfirmCodeForm(forms.Form):
    """A current code, asked again before recovery codes are renewed or verification is turned off."""

    code = forms.CharField(
        label=_("Current code from the app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )
