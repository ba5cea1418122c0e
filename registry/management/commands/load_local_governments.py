"""Load every prefecture and municipality of Japan with its 全国地方公共団体コード."""
import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.core.history import Source, change_context
from registry.models import Organization, OrganizationAlias
from registry.models.organizations import validate_lg_code
from registry.parsing.romaji import kana_to_romaji

DEFAULT_DIR = Path(settings.BASE_DIR) / "fixtures" / "local_governments"
ALIASES_FILE = Path(settings.BASE_DIR) / "fixtures" / "organization_aliases.csv"

# Kana endings of each kind and the English word that replaces them.
KANA_SUFFIXES = {
    Organization.Kind.DESIGNATED_CITY: (("し",), "City"),
    Organization.Kind.CITY: (("し",), "City"),
    Organization.Kind.SPECIAL_WARD: (("く",), "City"),
    Organization.Kind.TOWN: (("ちょう", "まち"), "Town"),
    Organization.Kind.VILLAGE: (("むら", "そん"), "Village"),
}


def english_name(kana, kind):
    endings, word = KANA_SUFFIXES[kind]
    stem = kana
    for ending in endings:
        if kana.endswith(ending):
            stem = kana[: -len(ending)]
            break
    return f"{kana_to_romaji(stem).capitalize()} {word}"


def municipality_kind(row, designated_cities):
    name, code = row["city"], row["lgcode"]
    if name in designated_cities:
        return Organization.Kind.DESIGNATED_CITY
    if code.startswith("131") and name.endswith("区"):
        return Organization.Kind.SPECIAL_WARD
    return {"市": Organization.Kind.CITY, "町": Organization.Kind.TOWN, "村": Organization.Kind.VILLAGE}[name[-1]]


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = "Load the prefectures and municipalities of Japan (and known aliases) as organizations."

    def add_arguments(self, parser):
        parser.add_argument("--source", default=str(DEFAULT_DIR), help="folder with prefectures.csv and municipalities.csv")

    def handle(self, *args, source, **options):
        folder = Path(source)
        prefectures = read_csv(folder / "prefectures.csv")
        municipalities = read_csv(folder / "municipalities.csv")
        with transaction.atomic(), change_context(
            source=Source.COMMAND, actor_name="command: load_local_governments", reason="団体一覧の読込"
        ):
            by_number = self.load_prefectures(prefectures)
            created = self.load_municipalities(municipalities, by_number)
            aliases = self.load_aliases()
        self.stdout.write(
            f"prefectures={len(by_number)} municipalities={created} aliases={aliases} "
            f"total={Organization.objects.count()}"
        )

    def upsert(self, code, **values):
        validate_lg_code(code)
        organization = Organization.objects.filter(code=code).first() or Organization(code=code)
        for name, value in values.items():
            setattr(organization, name, value)
        organization.save()
        return organization

    def load_prefectures(self, rows):
        by_number = {}
        for row in rows:
            code = row["lgcode"].zfill(6)
            by_number[int(row["pid"])] = self.upsert(
                code,
                kind=Organization.Kind.PREFECTURE,
                prefecture=None,
                name=row["pref"],
                name_kana=row["prefkana"],
                name_en=f"{row['pref_en']} Prefecture" if row["pref_en"] != "Hokkaido" else "Hokkaido",
            )
        if len(by_number) != 47:
            raise CommandError(f"expected 47 prefectures, found {len(by_number)}")
        return by_number

    def load_municipalities(self, rows, prefectures):
        wards = [row for row in rows if " " in row["city"]]
        designated = {row["city"].split(" ")[0] for row in wards}
        count = 0
        for row in rows:
            if " " in row["city"]:
                continue  # wards of designated cities are not separate local governments
            kind = municipality_kind(row, designated)
            self.upsert(
                row["lgcode"],
                kind=kind,
                prefecture=prefectures[int(row["pid"])],
                name=row["city"],
                name_kana=row["citykana"],
                name_en=english_name(row["citykana"], kind),
            )
            count += 1
        return count

    def load_aliases(self):
        if not ALIASES_FILE.exists():
            return 0
        count = 0
        for row in read_csv(ALIASES_FILE):
            organization = Organization.objects.get(code=row["code"])
            alias = OrganizationAlias.objects.filter(name=row["alias"]).first() or OrganizationAlias(name=row["alias"])
            alias.organization = organization
            alias.note = row.get("note", "")
            alias.save()
            count += 1
        return count
