"""Reading a round's open data back: the round's summary counted from the files by the survey's own rules."""
import csv
from collections import Counter
from pathlib import Path

from registry.public.opendata.package import CSV_ENCODING
from registry.public.opendata.tables import BASES, CITY_JOIN
from registry.survey.summary import RoundCounts, summarize


def counts_from_bases_csv(path):
    """The file's rows grouped as ``RoundCounts`` groups a round's records: one base per 拠点ID, its countries
    gathered from its rows, so ``summarize`` counts the file exactly as it counts the round."""
    bases = {}
    with open(path, encoding=CSV_ENCODING, newline="") as handle:
        for row in csv.DictReader(handle):
            base = bases.setdefault(row["拠点ID"], {"row": row, "countries": []})
            base["countries"].append(row["国・地域コード"])
    organizations = {}
    places = Counter()
    forms_years = Counter()
    for base in bases.values():
        row, weight = base["row"], len(base["countries"])
        organization = organizations.setdefault(
            row["全国地方公共団体コード"], {"home_prefecture": None, "n": 0, "dispatched": 0, "local": 0})
        organization["n"] += weight
        organization["dispatched"] += int(row["派遣職員数"])
        organization["local"] += int(row["現地職員数"])
        places[(",".join(base["countries"]), "、".join(filter(None, row["都市"].split(CITY_JOIN))))] += 1
        year = int(row["設置年度"]) if row["設置年度"] else None
        forms_years[(row["拠点形態コード"], year)] += weight
    return RoundCounts(organizations, [(c, cities, n) for (c, cities), n in places.items()], dict(forms_years))


def summary_from_open_data(directory):
    return summarize(counts_from_bases_csv(Path(directory) / BASES.path))
