"""Public pages: anyone may read the published rounds; every page cites its round and the licence."""
import datetime

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_countries import countries as all_countries

from registry.api.filters import RoundRecordFilterSet
from registry.charts import bar_chart_svg, line_chart_svg
from registry.downloads import download_response
from registry.geo.worldmap import world_map_svg
from registry.models import Agreement, BaseRoundRecord, Organization
from registry.portal.data import bases_by_country, city_points, round_overview, trends
from registry.publishing import (
    LICENCE,
    latest_published_round,
    published_records,
    published_round,
    published_rounds,
)
from registry.summary import summarize, survey_summary

TREND_TITLES = {
    "bases-by-country": _("Bases per country/region and round"),
    "openings": _("Bases opened and closed per round"),
    "ties-by-decade": _("Partnership agreements signed per decade"),
}
LINES_SHOWN = 8


def country_page_url(code):
    return reverse("portal:country", args=[code])


class PortalPage(TemplateView):
    """Context every public page shares: the round it shows, the published rounds, the licence."""

    title = ""

    def chosen_round(self):
        text = self.request.GET.get("round")
        if text:
            try:
                survey_round = published_round(datetime.date.fromisoformat(text))
            except ValueError:
                survey_round = None
            if survey_round is None:
                raise Http404("no published round for this date")
            return survey_round
        return latest_published_round()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.survey_round = getattr(self, "survey_round", None) or self.chosen_round()
        context.update(
            title=self.title,
            survey_round=self.survey_round,
            published_rounds=list(published_rounds()),
            licence=LICENCE,
        )
        return context


class HomeView(PortalPage):
    template_name = "portal/home.html"
    title = _("Overseas bases of Japanese local governments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.survey_round is None:
            return context
        overview = round_overview(self.survey_round)
        context.update(
            summary=survey_summary(self.survey_round),
            world_map=world_map_svg(overview.countries, overview.points, title=str(_("Bases by country/region")),
                                    country_url=country_page_url, count_label=str(_("{count} bases"))),
            country_rows=[(code, all_countries.name(code), n) for code, n in overview.countries.most_common()],
        )
        return context


class PublicBaseFilterSet(RoundRecordFilterSet):
    """The list page's filters; the round is chosen by the page, status is not public."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("round", "status", "joint_office"):
            self.filters.pop(name, None)
        records = BaseRoundRecord.objects.filter(survey_round__in=published_rounds())
        self.filters["organization"].queryset = Organization.objects.filter(
            pk__in=records.values("base__organization")).order_by("code")


class BaseListView(PortalPage):
    template_name = "portal/bases.html"
    title = _("Search the bases")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.survey_round is None:
            return context
        records = published_records(self.survey_round)
        data = self.request.GET.copy()
        data.pop("round", None)
        filterset = PublicBaseFilterSet(data, queryset=records, request=self.request)
        rows = filterset.qs if filterset.is_valid() else records.none()
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        context.update(filter=filterset, page_obj=page, is_paginated=page.has_other_pages(),
                       records=page.object_list, count=page.paginator.count)
        return context


class CountryView(PortalPage):
    template_name = "portal/country.html"

    def get_context_data(self, **kwargs):
        code = self.kwargs["code"].upper()
        if code not in dict(all_countries):
            raise Http404("unknown country")
        context = super().get_context_data(**kwargs)
        rounds = list(published_rounds().order_by("reference_date"))
        history = [(r, bases_by_country(published_records(r)).get(code, 0)) for r in rounds]
        records = []
        if self.survey_round is not None:
            records = [r for r in round_overview(self.survey_round).records if code in [str(c) for c in r.countries]]
        context.update(
            title=all_countries.name(code),
            country_code=code,
            records=records,
            history=history,
            world_map=world_map_svg({code: len(records)} if records else {}, city_points(records),
                                    title=str(all_countries.name(code))),
            agreements=Agreement.objects.filter(partner__country=code).select_related("organization", "partner")
            .order_by("organization__code", "signed_on"),
        )
        return context


class OrganizationView(PortalPage):
    template_name = "portal/organization.html"

    def get_context_data(self, **kwargs):
        organization = Organization.objects.filter(code=self.kwargs["code"]).select_related("prefecture").first()
        if organization is None:
            raise Http404("unknown organization")
        context = super().get_context_data(**kwargs)
        history = []
        for survey_round in published_rounds().order_by("reference_date"):
            figures = summarize(published_records(survey_round).filter(base__organization=organization))
            history.append((survey_round, figures["bases"], figures["staff"]["total"]))
        records = []
        if self.survey_round is not None:
            records = [r for r in round_overview(self.survey_round).records
                       if r.base.organization_id == organization.pk]
        context.update(
            title=str(organization),
            organization=organization,
            records=records,
            history=history,
            world_map=world_map_svg(bases_by_country(records), city_points(records), title=str(organization),
                                    country_url=country_page_url, count_label=str(_("{count} bases"))),
            agreements=organization.agreements.select_related("partner").order_by("signed_on", "pk"),
        )
        return context


class TrendsView(PortalPage):
    template_name = "portal/trends.html"
    title = _("Trends across rounds")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = trends()
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
        context.update(figures=[(TREND_TITLES[t.slug], t, chart) for t, chart in figures],
                       undated_ties=data["undated_ties"])
        return context


def trend_csv(request, slug):
    table = trends()["tables"].get(slug)
    if table is None:
        raise Http404("no such trend")
    return download_response("csv", table.header, table.rows, slug)
