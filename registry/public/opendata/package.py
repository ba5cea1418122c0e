"""Writing a round's open data: CSV files, their ``datapackage.json`` and a DCAT catalog a CKAN portal can harvest."""
import csv
import datetime
import io
import json
from pathlib import Path

from django.utils import translation

from registry.core.downloads import csv_cell
from registry.public.opendata.tables import TABLES, table_items
from registry.public.publishing import ATTRIBUTION, LICENCE, published_rounds

PUBLISHER = "海外拠点レジストリ"
BOM = "\ufeff"
CSV_ENCODING = "utf-8-sig"  # as frictionless and Python name UTF-8 that starts with a BOM
FORMULA_NOTE = ("A text cell that would start with =, +, - or @ starts with ' instead (so spreadsheets do not run "
                "it as a formula): remove that first ' to read the value as recorded.")


def csv_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_cell(value)


def table_csv(table, items):
    """UTF-8 text with a BOM, one header row, one datum per cell.

    People open these files in Excel too: as the downloads for people (registry/core/downloads.py) they start with a
    BOM, so Japanese Excel reads them as UTF-8 (the datapackage says ``utf-8-sig``), and text a spreadsheet
    would run as a formula (``= + - @`` at the start) gets the same leading ``'`` (``downloads.csv_cell``;
    docs/opendata-formulas.md). Numbers, dates, codes and IDs never start so.
    """
    out = io.StringIO(newline="")
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows(table.rows(items, csv_value))
    return out.getvalue()


def round_files(survey_round):
    """{file name: text} of every table of a round, in Japanese (country names) whoever asks first."""
    with translation.override("ja"):
        items = table_items(survey_round)
        return {table.path: table_csv(table, items[table.name]) for table in TABLES}


def package_name(survey_round):
    return f"overseas-bases-{survey_round.reference_date:%Y-%m-%d}"


def datapackage(survey_round):
    day = survey_round.reference_date
    return {
        "profile": "tabular-data-package",
        "name": package_name(survey_round),
        "title": f"自治体の海外拠点一覧（{day:%Y-%m-%d}現在） / Overseas bases of Japanese local governments",
        "description": "Overseas bases, partnership agreements and the local governments they belong to, "
                       f"as the survey round of {day:%Y-%m-%d} reported them. {FORMULA_NOTE}",
        "version": f"{day:%Y-%m-%d}",
        "licenses": [LICENCE],
        "sources": [{"title": ATTRIBUTION}],
        "keywords": ["海外拠点", "自治体", "姉妹都市", "友好提携", "open data"],
        "resources": [
            {
                "name": table.name,
                "title": table.title,
                "path": table.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": CSV_ENCODING,
                "dialect": {"delimiter": ",", "header": True},
                "schema": table.schema(),
            }
            for table in TABLES
        ],
    }


def write_round(survey_round, directory):
    """Write a round's CSV files and datapackage.json into ``directory``; returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in round_files(survey_round).items():
        path = directory / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    descriptor = directory / "datapackage.json"
    descriptor.write_text(json.dumps(datapackage(survey_round), ensure_ascii=False, indent=2), encoding="utf-8")
    written.append(descriptor)
    return written


def dcat_catalog(url_for):
    """A DCAT catalog (JSON-LD) of every published round; ``url_for(round, file name)`` gives absolute URLs."""
    datasets = []
    for survey_round in published_rounds():
        package = datapackage(survey_round)
        day = survey_round.reference_date
        datasets.append({
            "@type": "dcat:Dataset",
            "@id": url_for(survey_round, "datapackage.json"),
            "dct:identifier": package["name"],
            "dct:title": package["title"],
            "dct:description": package["description"],
            "dct:issued": day.isoformat(),
            "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:endDate": day.isoformat()},
            "dct:license": LICENCE["path"],
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": PUBLISHER},
            "dcat:keyword": package["keywords"],
            "dcat:distribution": [
                {
                    "@type": "dcat:Distribution",
                    "dct:title": resource["title"],
                    "dcat:downloadURL": url_for(survey_round, resource["path"]),
                    "dcat:mediaType": "text/csv",
                    "dct:format": "CSV",
                    "dct:license": LICENCE["path"],
                }
                for resource in package["resources"]
            ] + [{
                "@type": "dcat:Distribution",
                "dct:title": "datapackage.json (Frictionless Data Package)",
                "dcat:downloadURL": url_for(survey_round, "datapackage.json"),
                "dcat:mediaType": "application/json",
                "dct:format": "JSON",
                "dct:license": LICENCE["path"],
            }],
        })
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@type": "dcat:Catalog",
        "dct:title": f"{PUBLISHER} オープンデータ",
        "dct:license": LICENCE["path"],
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": PUBLISHER},
        "dcat:dataset": datasets,
    }
