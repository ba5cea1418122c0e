"""A long list as a PDF in flat memory: laid out a chunk of rows at a time.

WeasyPrint keeps every laid-out page of a document until it is written (2.3 GB for a 10,000-row round). Here each
chunk of rows is a document of its own, with the list's headings (repeated on each of its pages), written to PDF
and freed before the next is laid out, so the memory is one chunk's whatever the list's length.

The page breaks fall where one long document would put them: a chunk's last page is not kept but laid out again
as the start of the next chunk (its rows carried over), so every page but the list's last is full. The rows say
where they are through their ids (``<tr id="row-N">``, N counted from the chunk's first row), which WeasyPrint
gives as each page's anchors; a row taller than a page (on two pages) is never carried, its chunk kept whole.

The page numbers 「- n / N -」 need N, known at the end: they are one small document of N empty pages with the
list's page footer, each page laid over the list's page of the same number (pypdf).
"""
import gc
import io

from pypdf import PdfReader, PdfWriter

LIST_CHUNK_ROWS = 400  # ~9 pages of the survey's list: a chunk's layout takes ~100 MB
ROW_ANCHOR = "row-"


def chunked_pdf(render, rows, numbers, title, chunk_rows=None):
    """The PDF of ``rows``: ``render(rows, first, last)`` gives the WeasyPrint document of a chunk (``first``:
    the list's start, ``last``: its end), its rows' ids ``row-0``, ``row-1``…; ``numbers(count)`` gives the
    document of ``count`` pages that only hold their numbers."""
    chunk_rows = chunk_rows or LIST_CHUNK_ROWS
    writer = PdfWriter()
    start, size = 0, chunk_rows
    while True:
        chunk = rows[start:start + size]
        last = start + size >= len(rows)
        document = render(chunk, start == 0, last)
        carried = 0 if last else rows_on_last_page(document.pages, len(chunk))
        if carried is None:  # the rows do not fill the chunk's last page: lay out more of them
            del document
            size *= 2
            continue
        pages = document.pages[:-1] if carried else document.pages
        append_pages(writer, document.copy(pages).write_pdf())
        del document, pages
        gc.collect()  # the laid-out boxes hold cycles: freed now, not at the next collection
        if last:
            break
        start, size = start + len(chunk) - carried, chunk_rows
    number_pages(writer, numbers(len(writer.pages)).write_pdf())
    writer.add_metadata({"/Title": title})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def rows_on_last_page(pages, count):
    """How many of the chunk's ``count`` rows its last page holds, to be laid out again at the start of the next
    chunk; 0 when its first row began on the page before (a row taller than a page: the chunk is kept whole);
    None when the last page holds the chunk's first row (the chunk is less than a page: it needs more rows)."""
    first = min((int(name[len(ROW_ANCHOR):]) for name in pages[-1].anchors if name.startswith(ROW_ANCHOR)),
                default=None)
    if first is None:
        return 0
    if first == 0:  # (so too when the chunk is one page)
        return None
    return 0 if f"{ROW_ANCHOR}{first}" in pages[-2].anchors else count - first


def append_pages(writer, content):
    for page in PdfReader(io.BytesIO(content)).pages:
        writer.add_page(page)


def number_pages(writer, numbers):
    for page, number in zip(writer.pages, PdfReader(io.BytesIO(numbers)).pages, strict=True):
        page.merge_page(number)
        page.compress_content_streams()  # merging leaves the page's drawing uncompressed
