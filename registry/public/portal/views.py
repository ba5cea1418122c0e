"""Public pages: anyone may read the published rounds; every page cites its round and the licence."""
import datetime
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_countries import countries as all_countries

from registry.public.api.filters import RoundRecordFilterSet
from registry.survey.charts import bar_chart_svg, line_chart_svg
from registry.core.downloads import download_response
from registry.public.geo.worldmap import world_map_svg
from registry.models import Agreement, BaseRoundRecord, Organization
from registry.public.portal.accessibility import last_check
from registry.public.portal.data import (
    bases_by_country,
    city_points,
    countries_by_round,
    country_records,
    organization_history,
    place_groups,
    round_overview,
    trends,
)
from registry.public.publishing import LICENCE, publication, published_records

TREND_TITLES = {
    "bases-by-country": _("Bases per country/region and round"),
    "openings": _("Bases opened and closed per round"),
    "ties-by-decade": _("Partnership agreements signed per decade"),
}
LINES_SHOWN = 8
# How long a page's rendered content is kept (its key changes with the publication's stamp anyway).
PAGE_SECONDS = 24 * 60 * 60


def country_page_url(code):
    return reverse("portal:country", args=[code])


class PortalPage(TemplateView):
    """Context every public page shares: the round it shows, the published rounds, the licence.

    What the page shows of the published data is ``content()``, computed only when the page's cached
    fragment is missing: the templates keep it under ``page_key`` (the state of the published data, the URL
    and the language), so a warm page costs the publication's stamp and one cache read.
    """

    title = ""
    parameters = ("round",)  # the query parameters the page reads: its cache key is made of these only

    def get(self, request, *args, **kwargs):
        """A parameter the page does not read sends the caller to the address without it, so that junk
        parameters neither make a cache entry each nor end up in the links of a cached page."""
        if set(request.GET) - set(self.parameters):
            return HttpResponseRedirect(self.read_path())
        return super().get(request, *args, **kwargs)

    def read_path(self):
        """The path with the parameters the page reads, in a fixed order: ``?a=1&b=2`` and ``?b=2&a=1`` are one
        page."""
        query = self.request.GET
        read = urlencode([(name, query.getlist(name)) for name in sorted(self.parameters) if name in query],
                         doseq=True)
        return f"{self.request.path}?{read}" if read else self.request.path

    def chosen_round(self):
        text = self.request.GET.get("round")
        if text:
            try:
                survey_round = self.publication.round(datetime.date.fromisoformat(text))
            except ValueError:
                survey_round = None
            if survey_round is None:
                raise Http404("no published round for this date")
            return survey_round
        return self.publication.latest

    def content(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.publication = publication(self.request)
        self.survey_round = self.chosen_round()
        context.update(self.page_context(self.read_path()))
        return context

    def page_context(self, path):
        """What the page's cached part reads: the round, the published rounds, the licence, its key and content."""
        return {
            "title": self.title,
            "survey_round": self.survey_round,
            "published_rounds": list(self.publication.rounds),
            "licence": LICENCE,
            "page_key": self.publication.key("portal", path, get_language()),
            "page_seconds": PAGE_SECONDS,
            "data": SimpleLazyObject(self.content),
        }

    @classmethod
    def keep_content(cls, state, path):
        """Render the cached part (``content_template``) of the page at ``path`` with no query (the latest round),
        and keep it where the page's ``{% cache %}`` looks for it (the publication's build: portal/builds.py)."""
        page = cls()
        page.publication, page.survey_round = state, state.latest
        context = page.page_context(path)
        fragment = render_to_string(cls.content_template, context)
        cache.set(make_template_fragment_key("portal_page", [context["page_key"]]), fragment, PAGE_SECONDS)


class HomeView(PortalPage):
    template_name = "portal/home.html"
    content_template = "portal/includes/home_content.html"
    title = _("Overseas bases of Japanese local governments")

    def content(self):
        if self.survey_round is None:
            return {}
        overview = round_overview(self.publication, self.survey_round)
        return {
            "summary": overview.summary,
            "world_map": world_map_svg(overview.countries, overview.points, title=str(_("Bases by country/region")),
                                       country_url=country_page_url, count_label=str(_("{count} bases"))),
            "country_rows": [(code, all_countries.name(code), n) for code, n in overview.countries.most_common()],
        }


class PublicBaseFilterSet(RoundRecordFilterSet):
    """The list page's filters; the round is chosen by the page, status is not public.

    No select of thousands: an organization is given by its 6-digit code (its page links here), contractors
    are found by the search box (it matches their names).
    """

    HIDDEN = ("round", "status", "joint_office", "contractor")

    @classmethod
    def parameter_names(cls):
        return tuple(name for name in cls.base_filters if name not in cls.HIDDEN)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.HIDDEN:
            self.filters.pop(name, None)
        self.filters["organization"].extra["widget"] = forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]{6}", "placeholder": "270008", "size": 8})


def list_page(rows, number, per_page=50):
    page = Paginator(rows, per_page).get_page(number)
    return {"page_obj": page, "is_paginated": page.has_other_pages(), "records": page.object_list,
            "count": page.paginator.count}


class BaseListView(PortalPage):
    template_name = "portal/bases.html"
    title = _("Search the bases")
    parameters = ("round", "page", *PublicBaseFilterSet.parameter_names())

    def content(self):
        if self.survey_round is None:
            return {}
        records = published_records(self.survey_round)
        data = self.request.GET.copy()
        data.pop("round", None)
        filterset = PublicBaseFilterSet(data, queryset=records, request=self.request)
        rows = filterset.qs if filterset.is_valid() else records.none()
        return {"filter": filterset, **list_page(rows, self.request.GET.get("page"))}


class CountryView(PortalPage):
    template_name = "portal/country.html"
    parameters = ("round", "page")

    def get_context_data(self, **kwargs):
        self.code = self.kwargs["code"].upper()
        if self.code not in dict(all_countries):
            raise Http404("unknown country")
        context = super().get_context_data(**kwargs)
        context.update(title=all_countries.name(self.code), country_code=self.code)
        return context

    def content(self):
        code = self.code
        per_round = countries_by_round(self.publication)
        history = [(r, per_round.get(r.pk, {}).get(code, 0)) for r in reversed(self.publication.rounds)]
        listed, points = {"records": [], "count": 0}, []
        if self.survey_round is not None:
            records = country_records(self.survey_round, code)
            listed = list_page(records, self.request.GET.get("page"))
            points = city_points(place_groups(records))
        return {
            **listed,
            "history": history,
            "world_map": world_map_svg({code: listed["count"]} if listed["count"] else {}, points,
                                       title=str(all_countries.name(code))),
            "agreements": Agreement.objects.filter(partner__country=code).select_related("organization", "partner")
            .order_by("organization__code", "signed_on"),
        }


class OrganizationView(PortalPage):
    template_name = "portal/organization.html"

    def get_context_data(self, **kwargs):
        self.organization = Organization.objects.filter(code=self.kwargs["code"]).select_related("prefecture").first()
        if self.organization is None:
            raise Http404("unknown organization")
        context = super().get_context_data(**kwargs)
        context.update(title=str(self.organization), organization=self.organization)
        return context

    def content(self):
        organization = self.organization
        if self.survey_round is None:
            records = BaseRoundRecord.objects.none()
        else:
            records = published_records(self.survey_round).filter(base__organization=organization)
        groups = place_groups(records)
        return {
            "records": list(records),
            "history": organization_history(self.publication, organization),
            "world_map": world_map_svg(bases_by_country(groups), city_points(groups), title=str(organization),
                                       country_url=country_page_url, count_label=str(_("{count} bases"))),
            "agreements": organization.agreements.select_related("partner").order_by("signed_on", "pk"),
        }


class TrendsView(PortalPage):
    template_name = "portal/trends.html"
    content_template = "portal/includes/trends_content.html"
    title = _("Trends across rounds")

    def content(self):
        data = trends(self.publication)
        tables = data["tables"]
        by_country = tables["bases-by-country"]
        rounds = [f"{r.reference_date:%Y-%m-%d}" for r in data["rounds"]]
        lines = [(row[1], row[2:]) for row in by_country.rows[:LINES_SHOWN]]
        openings = tables["openings"]
        decades = tables["ties-by-decade"]
        figures = [
            (by_country, line_chart_svg(rounds, lines, title=str(TREND_TITLES[by_country.slug]))),
            (openings, line_chart_svg(rounds, [(openings.header[2], [row[2] or 0 for row in openings.rows]),
                                               (openings.header[3], [row[3] or 0 for row in openings.rows])],
                                      title=str(TREND_TITLES[openings.slug]))),
            (decades, bar_chart_svg([(row[0], row[1]) for row in decades.rows],
                                    title=str(TREND_TITLES[decades.slug]))),
        ]
        return {"figures": [(TREND_TITLES[t.slug], t, chart) for t, chart in figures],
                "undated_ties": data["undated_ties"]}


class AccessibilityView(PortalPage):
    """アクセシビリティ方針: the target (JIS X 8341-3:2016 AA), the scope, the last automated check, where to
    report a problem."""

    template_name = "portal/accessibility.html"
    title = _("Accessibility policy")
    parameters = ()

    def get_context_data(self, **kwargs):
        contact = settings.ACCESSIBILITY_CONTACT
        return super().get_context_data(check=last_check(), contact=contact,
                                         contact_is_mail="@" in contact and "/" not in contact, **kwargs)


def trend_csv(request, slug):
    table = trends(publication(request))["tables"].get(slug)
    if table is None:
        raise Http404("no such trend")
    return download_response("csv", table.header, table.rows, slug)
