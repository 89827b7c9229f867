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
