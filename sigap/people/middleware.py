"""Indonesian unless the person chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, so a laptop set to English would
open the city's desk in English. People pages follow only the language switch (its cookie);
machine clients (the API, Open311) still say what they want in Accept-Language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

MACHINE_PREFIXES = ("/api/", "/open311/")


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith(MACHINE_PREFIXES):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy, which Django 5.2 does not send itself.

    Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy,
    Cross-Origin-Opener-Policy and HSTS, and XFrameOptionsMiddleware X-Frame-Options.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SIGAP_CSP:
            response.headers.setdefault("Content-Security-Policy", settings.SIGAP_CSP)
        if settings.SIGAP_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.SIGAP_PERMISSIONS_POLICY)
        return response


# Paths an administrator without two-step verification may still open: setting it up, leaving,
# the language switch, and what is not a staff page at all (public pages, machine endpoints).
_OPEN_TO_UNENROLLED = ("/static/", "/media/", "/i18n/", "/lacak/", "/api/", "/open311/", "/webhooks/", "/healthz")


class TwoFactorMiddleware:
    """Administrators use no staff page (the admin included) until they set up two-step verification."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SIGAP_ADMIN_2FA and not request.path.startswith(_OPEN_TO_UNENROLLED):
            redirect = self._enrolment_redirect(request)
            if redirect:
                return redirect
        return self.get_response(request)

    def _enrolment_redirect(self, request):
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from sigap.people import twofactor

        user = request.user
        if not (user.is_authenticated and user.is_admin) or request.session.get(twofactor.ENROLLED):
            return None
        allowed = {reverse("two-factor"), reverse("logout"), reverse("login"), reverse("login-code")}
        if request.path in allowed:
            return None
        if twofactor.enrolled(user):
            request.session[twofactor.ENROLLED] = True
            return None
        return redirect(f"{reverse('two-factor')}?{urlencode({'next': request.get_full_path()})}")
