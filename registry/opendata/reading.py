"""Reading a round's open data back: the round's summary counted from the files by the survey's own rules."""
import csv
from pathlib import Path
from types import SimpleNamespace

from registry.opendata.tables import BASES, CITY_JOIN
from registry.summary import summarize


def records_from_bases_csv(path):
    """One record per 拠点ID (countries gathered from its rows), shaped as summarize() reads round records."""
    records = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            record = records.get(row["拠点ID"])
            if record is None:
                record = records[row["拠点ID"]] = SimpleNamespace(
                    countries=[],
                    form=row["拠点形態コード"],
                    cities="、".join(filter(None, row["都市"].split(CITY_JOIN))),
                    staff_dispatched=int(row["派遣職員数"]),
                    staff_local=int(row["現地職員数"]),
                    base=SimpleNamespace(organization_id=row["全国地方公共団体コード"]),
                )
            record.countries.append(row["国・地域コード"])
    return list(records.values())


def summary_from_open_data(directory):
    return summarize(records_from_bases_csv(Path(directory) / BASES.path))
