"""Small helpers for the registry's own pages (sortable headers, query strings, countries)."""
from django import template
from django.utils.html import format_html

from registry.core.downloads import country_names

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key, label):
    """A column header linking to this list sorted by ``key``; a second click reverses it."""
    request = context["request"]
    current = request.GET.get("sort", "")
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    arrow = ""
    if current == key:
        query["sort"] = f"-{key}"
        arrow = " ▲"
    elif current == f"-{key}":
        query["sort"] = key
        arrow = " ▼"
    else:
        query["sort"] = key
    return format_html('<a class="sort" href="?{}">{}{}</a>', query.urlencode(), label, arrow)


@register.simple_tag(takes_context=True)
def export_url(context, export_format):
    query = context["request"].GET.copy()
    query.pop("page", None)
    query["export"] = export_format
    return "?" + query.urlencode()


register.filter("country_names", country_names)
