"""What the registry publishes: which rounds are public, under which licence, and how text is made portable.

One place decides what anonymous callers may see (open data files, the API, the public portal):
the rounds ``published_rounds()`` returns, their reported figures, and the public fields listed here.
"""
import hashlib
import unicodedata

from django.core.cache import cache

from registry.models import Agreement, BaseRoundRecord, Contractor, Organization, Partner, Place, SurveyRound
from registry.summary import reported_records

LICENCE = {
    "name": "PDL-1.0",
    "title": "公共データ利用規約（第1.0版） / Public Data License (Version 1.0)",
    "path": "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
}
ATTRIBUTION = "海外拠点レジストリ（自治体の海外拠点一覧）"


def published_rounds():
    """Survey rounds open to the public (公表, see registry/rounds/lifecycle.py), newest first."""
    return SurveyRound.objects.published().order_by("-reference_date")


def latest_published_round():
    return published_rounds().first()


def published_round(reference_date):
    return published_rounds().filter(reference_date=reference_date).first()


def published_records(survey_round):
    """The base figures a published round reported, as the summary counts them."""
    return reported_records(survey_round).select_related(
        "base__organization__prefecture", "contractor", "survey_round"
    ).order_by("base__organization__code", "base__number")


# -- caching what is published ---------------------------------------------------------------------

# Every record a public page, file or API answer is made of; each keeps a history table.
PUBLISHED_MODELS = (SurveyRound, BaseRoundRecord, Agreement, Partner, Organization, Contractor, Place)


def publication_state():
    """(stamp, last modified): changes whenever any published record changes.

    The stamp is each table's latest history entry, by id and time (an id alone can come back after a
    rolled-back transaction on SQLite).
    """
    stamp = []
    last_modified = None
    for model in PUBLISHED_MODELS:
        latest = model.history.order_by("-history_date", "-history_id").values_list(
            "history_id", "history_date").first()
        if latest is None:
            stamp.append("0")
            continue
        stamp.append(f"{latest[0]}@{latest[1].isoformat()}")
        last_modified = latest[1] if last_modified is None else max(last_modified, latest[1])
    return "-".join(stamp), last_modified


def cached_publication(key, build, timeout=24 * 60 * 60):
    """``build()`` once per state of the published data: published figures change only when records do."""
    stamp, _last_modified = publication_state()
    digest = hashlib.sha256(f"{key}|{stamp}".encode()).hexdigest()
    return cache.get_or_set(f"publication:{digest}", build, timeout)


# -- machine-readable text (総務省's rules: no 機種依存文字) ---------------------------------------

def _circled_number(ch):
    name = unicodedata.name(ch, "")
    if "CIRCLED" in name and ("DIGIT" in name or "NUMBER" in name):
        value = unicodedata.numeric(ch, None)
        if value is not None and value == int(value):
            return f"({int(value)})"
    return None


# Enclosed CJK letters and months, CJK compatibility (㈱, ㍻, ㌔), Roman numerals (Ⅲ): written out by NFKC.
_COMPATIBILITY_BLOCKS = ((0x2160, 0x217F), (0x3200, 0x33FF))


def portable_text(value):
    """Text without platform-dependent characters: ① → (1), ㈱ → (株), ㍻ → 平成, Ⅲ → III."""
    if not value:
        return value or ""
    out = []
    for ch in str(value):
        circled = _circled_number(ch)
        if circled is not None:
            out.append(circled)
        elif any(low <= ord(ch) <= high for low, high in _COMPATIBILITY_BLOCKS):
            out.append(unicodedata.normalize("NFKC", ch))
        else:
            out.append(ch)
    return "".join(out)
