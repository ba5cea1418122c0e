"""Query parameters with control characters are refused before any view reads them (one check for every page).

Filters and searches read the query string: a NUL byte in it reached PostgreSQL, which refuses NUL in text
(a 500 in the admin's filters, search and autocomplete, and on both databases where a filter looked a record
up by it). No filter value and no search text holds a control character (``parsing.text``'s rule: C0
controls other than tab, line feed and carriage return, DEL, U+FFFE/U+FFFF), so such a request is answered
with 400 and a plain message, whatever the page.
"""
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext

from registry.parsing.text import has_control_characters


def refused_parameters(request):
    """Whether the request's path or any query parameter name or value holds a control character."""
    texts = [request.path]
    for key, values in request.GET.lists():
        texts.append(key)
        texts.extend(values)
    return any(has_control_characters(text) for text in texts)


class ControlCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if refused_parameters(request):
            return HttpResponseBadRequest(
                gettext("The address holds a control character (such as NUL), which no search or filter accepts."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
