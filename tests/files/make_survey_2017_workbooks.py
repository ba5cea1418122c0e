"""Make the 2017 survey sheet as a clerk's office software saves it: .xlsx, then .xls and .ods by LibreOffice.

Run from the project root (LibreOffice's ``soffice`` on the PATH; Debian: libreoffice-calc-nogui):

    .venv/bin/python tests/files/make_survey_2017_workbooks.py

The xlsx holds the TSV's cells, digits as numbers (団体No, 拠点No, the staff counts), as Excel keeps them;
``soffice --headless --convert-to xls|ods`` saves the same workbook as Excel 97–2003 and OpenDocument.
"""
import pathlib
import subprocess
import sys
import tempfile

import openpyxl

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "fixtures" / "clair_overseas_bases_2017-09.tsv"
TARGET = pathlib.Path(__file__).resolve().parent
NAME = "clair_overseas_bases_2017-09"


def main():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "海外拠点一覧"
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        sheet.append([int(cell) if cell.isdigit() else (cell or None) for cell in line.split("\t")])
    xlsx = TARGET / f"{NAME}.xlsx"
    workbook.save(xlsx)
    with tempfile.TemporaryDirectory() as profile:
        for extension in ("xls", "ods"):
            subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                            extension, "--outdir", str(TARGET), str(xlsx)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
