"""The xlsx downloads (registry.core.downloads.xlsx_file, XlsxWriter in constant-memory mode): text that looks like a
number, a link or a formula stays the text the record holds, and memory does not grow with the rows."""
import io
import tracemalloc

import openpyxl

from registry.core.downloads import xlsx_file

LOOKALIKES = ["0123", "1e5", "3.14", "https://example.jp/base?a=1", "mailto:office@example.jp", "=SUM(A1:A2)",
              "-1", "TRUE", "2019-04-01"]


def test_text_that_looks_like_a_number_link_or_formula_stays_text():
    sheet = openpyxl.load_workbook(xlsx_file(["見出し"] * len(LOOKALIKES), iter([LOOKALIKES]), "一覧")).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells] == LOOKALIKES
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.hyperlink is None for cell in cells)


def peak_memory(row_count):
    rows = ([f"拠点{number}", number, "中国、香港", "https://example.jp/", "経済交流" * 10] for number in range(row_count))
    tracemalloc.start()
    try:
        xlsx_file(["名称", "番号", "国", "URL", "活動"], rows, "一覧").close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_however_many_rows():
    assert peak_memory(20_000) < peak_memory(2_000) * 1.5 + 256 * 1024
