"""Open data at stable URLs: /opendata/ (the list of files), /opendata/<date>/<table>.csv,
/opendata/<date>/datapackage.json, /opendata/catalog.jsonld; and the published list and report as PDFs,
/opendata/<date>/list.pdf and report.pdf."""
import json

from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET

from registry.public.opendata.package import datapackage, dcat_catalog, round_files
from registry.public.opendata.tables import TABLES
from registry.public.publishing import LICENCE, TIMEOUT, publication
from registry.survey.printable import LIST_PDF, REPORT_PDF, report_pdf, round_pdf


def last_modified(request, *args, **kwargs):
    return publication(request).last_modified


def round_or_404(request, reference_date):
    survey_round = publication(request).round(reference_date)
    if survey_round is None:
        raise Http404("no published round for this date")
    return survey_round


def round_file(state, survey_round, name):
    """A round's file as bytes, or None: the round's files are written together and kept one entry each, while
    the round's figures and the live tables stand (``Publication.round_key``)."""
    body = cache.get(state.round_key(survey_round, "opendata", name))
    if body is None:
        files = {file_name: text.encode("utf-8") for file_name, text in round_files(survey_round).items()}
        cache.set_many({state.round_key(survey_round, "opendata", file_name): data
                        for file_name, data in files.items()}, TIMEOUT)
        body = files.get(name)
    return body


@require_GET
@condition(last_modified_func=last_modified)
def table_file(request, reference_date, table):
    survey_round = round_or_404(request, reference_date)
    name = f"{table}.csv"
    body = round_file(publication(request), survey_round, name)
    if body is None:
        raise Http404("no such table")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reference_date:%Y-%m-%d}_{name}"'
    return response


def pdf_response(content, file_name):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    return response


@require_GET
@condition(last_modified_func=last_modified)
def list_pdf(request, reference_date):
    """The published list in the survey's layout (built after publication by the tasks worker, kept)."""
    survey_round = round_or_404(request, reference_date)
    return pdf_response(round_pdf(publication(request), survey_round), f"{reference_date:%Y-%m-%d}_list.pdf")


@require_GET
@condition(last_modified_func=last_modified)
def report_pdf_file(request, reference_date):
    """The published round's figures and charts (built after publication by the tasks worker, kept)."""
    survey_round = round_or_404(request, reference_date)
    return pdf_response(report_pdf(publication(request), survey_round), f"{reference_date:%Y-%m-%d}_report.pdf")


def descriptor_response(survey_round):
    return JsonResponse(datapackage(survey_round), json_dumps_params={"ensure_ascii": False})


@require_GET
@condition(last_modified_func=last_modified)
def package_descriptor(request, reference_date):
    return descriptor_response(round_or_404(request, reference_date))


def round_listing(state, survey_round):
    """(file name, URL, size in bytes, e.g. 「12,345」) of a round's files: its datapackage, its tables, its PDFs."""
    day = survey_round.reference_date
    files = [("datapackage.json", reverse("opendata:datapackage", args=[day]),
              f"{len(descriptor_response(survey_round).content):,}")]
    for table in TABLES:
        url = reverse("opendata:table", args=[day, table.path.removesuffix(".csv")])
        files.append((table.path, url, f"{len(round_file(state, survey_round, table.path)):,}"))
    for name, view, part in (("list.pdf", "list_pdf", LIST_PDF), ("report.pdf", "report_pdf", REPORT_PDF)):
        # the size of what the worker built after publication; a PDF not built yet is never built by this page
        kept = state.round_kept(survey_round, part)
        files.append((name, reverse(f"opendata:{view}", args=[day]), f"{len(kept):,}" if kept else None))
    return files


@require_GET
@condition(last_modified_func=last_modified)
def index(request):
    """The published files, round by round (newest first), with their sizes: a public page in Japanese."""
    state = publication(request)
    rounds = [(survey_round, round_listing(state, survey_round)) for survey_round in state.rounds]
    return render(request, "registry/opendata_index.html",
                  {"title": _("Open data"), "rounds": rounds, "licence": LICENCE})


@require_GET
@condition(last_modified_func=last_modified)
def catalog(request):
    def url_for(survey_round, file_name):
        if file_name == "datapackage.json":
            path = reverse("opendata:datapackage", args=[survey_round.reference_date])
        else:
            path = reverse("opendata:table", args=[survey_round.reference_date, file_name.removesuffix(".csv")])
        return request.build_absolute_uri(path)

    body = json.dumps(dcat_catalog(url_for), ensure_ascii=False, indent=2)
    return HttpResponse(body.encode("utf-8"), content_type="application/ld+json; charset=utf-8")
