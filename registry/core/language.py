"""Which language a page is in: the public portal and the API follow the visitor (the portal's 日本語/English
switch, then Accept-Language); every other page — staff pages, the admin, open data — is in Japanese, whatever
the browser asks."""
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Paths whose visitors choose their language: the portal, its language switch and the public API.
VISITOR_LANGUAGE_PREFIXES = ("/public/", "/i18n/", "/api/")


def follows_visitor_language(path):
    return path.startswith(VISITOR_LANGUAGE_PREFIXES)


class JapaneseStaffLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware on the portal's paths; Japanese everywhere else."""

    def process_request(self, request):
        if follows_visitor_language(request.path_info):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if follows_visitor_language(request.path_info):
            return super().process_response(request, response)
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response
