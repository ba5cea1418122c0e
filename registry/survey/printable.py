"""A round's printable list (the staff page ``survey_list``) and the PDFs of a published round: the list made from
the same HTML (in the survey's order, with the survey's summary), and the report's figures with their charts (the
report page's SVG charts, drawn as vector graphics); WeasyPrint draws the pages.

The PDFs are public (every reported record of a published round, as the open data): they are built by the tasks
worker after each publication or correction (``registry.public.publishing_tasks``) and kept in the shared cache under
the round's figures and the live tables (``Publication.round_key``), like the round's open data files.
"""
from django.template.loader import render_to_string
from django.utils import translation

from registry.models import RoundCorrection
from registry.parsing.eras import era_date
from registry.survey.report import summary_rows, survey_report
from registry.survey import TITLE_TEXT
from registry.survey.summary import reported_records, sheet_order, summarize
from registry.survey.pdf_chunks import chunked_pdf

LIST_TEMPLATE = "registry/rounds/list_pdf.html"
REPORT_TEMPLATE = "registry/rounds/report_pdf.html"
NUMBERS_TEMPLATE = "registry/rounds/page_numbers_pdf.html"
REPORT_TITLE = "自治体の海外拠点 集計"
PDF_LANGUAGE = "ja"  # the survey's own language, whatever the visitor's


def printable_list(survey_round, user=None):
    """The records (in the survey's order), the summary and which records were corrected (訂正); ``user``
    restricts the records to those the user may see, ``None`` gives them all (the published list)."""
    reported = reported_records(survey_round, user)
    records = sorted(reported.select_related("base__organization", "contractor"), key=lambda r: sheet_order(r.base))
    summary = summarize(reported)
    corrected = set(RoundCorrection.objects.filter(record__survey_round=survey_round)
                    .values_list("record_id", flat=True))
    return {"records": records, "summary": summary, "summary_rows": summary_rows(summary), "corrected": corrected}


def pdf_title(reference_date, title=TITLE_TEXT):
    """自治体の海外拠点一覧（平成29年9月30日現在 / 2017年9月30日現在）: the date in 和暦 and 西暦."""
    day = reference_date
    return f"{title}（{era_date(day)}現在 / {day.year}年{day.month}月{day.day}日現在）"


def pdf_stylesheets(*names):
    """The PDFs' static stylesheets (base.css, then ``names``: files, not a <style> block, like every page the
    Content-Security-Policy covers), parsed once for every document of a PDF."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS  # imported when a PDF is built: it loads pango and the fonts

    return [CSS(filename=finders.find(f"registry/pdf/{name}")) for name in ("base.css", *names)]


def pdf_document(template, context, stylesheets):
    """``template`` rendered and laid out (a WeasyPrint document, its pages not yet written)."""
    from weasyprint import HTML

    with translation.override(PDF_LANGUAGE):
        html = render_to_string(template, context)
    return HTML(string=html).render(stylesheets=stylesheets)


def pdf_bytes(template, context, stylesheet):
    return pdf_document(template, context, pdf_stylesheets(stylesheet)).write_pdf()


def round_pdf_bytes(survey_round):
    """The published list of ``survey_round`` as a PDF: A4 landscape, headings on every page, rows kept whole,
    「- n / N -」 page numbers, the survey's summary table at the end; laid out a chunk of rows at a time
    (``registry.survey.pdf_chunks``), so that a round of any size takes the memory of one chunk."""
    title = pdf_title(survey_round.reference_date)
    context = {"survey_round": survey_round, "title": title, **printable_list(survey_round)}
    list_sheets, number_sheets = pdf_stylesheets("list.css"), pdf_stylesheets("page_numbers.css")

    def chunk(records, first, last):
        return pdf_document(LIST_TEMPLATE, {**context, "records": records, "first": first, "last": last}, list_sheets)

    def numbers(count):
        return pdf_document(NUMBERS_TEMPLATE, {"title": title, "pages": range(count)}, number_sheets)

    return chunked_pdf(chunk, context.pop("records"), numbers, title)


def report_pdf_bytes(survey_round):
    """The round's report as a PDF: the survey's summary, then each breakdown as its chart and its table."""
    with translation.override(PDF_LANGUAGE):  # the breakdowns' titles and labels in the survey's language
        report = survey_report(survey_round, None)
    return pdf_bytes(REPORT_TEMPLATE, {
        "survey_round": survey_round, "title": pdf_title(survey_round.reference_date, REPORT_TITLE),
        "summary": report["summary"], "breakdowns": report["breakdowns"],
    }, "report.css")


LIST_PDF, REPORT_PDF = "pdf", "report-pdf"  # their parts of the round's cache key (Publication.round_key)


def round_pdf(state, survey_round):
    """The PDF of a published round's list (``state``: the ``Publication``), built once per state of its figures
    and of the live tables."""
    return state.round_cached(lambda: round_pdf_bytes(survey_round), survey_round, LIST_PDF)


def report_pdf(state, survey_round):
    """The PDF of a published round's report, kept like ``round_pdf``."""
    return state.round_cached(lambda: report_pdf_bytes(survey_round), survey_round, REPORT_PDF)
