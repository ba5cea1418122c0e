"""What the registry publishes: which rounds are public, under which licence, and how text is made portable.

One place decides what anonymous callers may see (open data files, the API, the public portal):
the rounds ``published_rounds()`` returns, their reported figures, and the public fields listed here.
"""
import datetime
import functools
import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from registry.core.history.tracking import written_in_bulk
from registry.models import (
    Agreement,
    Base,
    BaseRoundRecord,
    Contractor,
    Organization,
    Partner,
    Place,
    SurveyRound,
)
from registry.core.stamps import TIMEOUT, ChangeStamp
from registry.survey.summary import reported_records

LICENCE = {
    "name": "PDL-1.0",
    "title": "公共データ利用規約（第1.0版） / Public Data License (Version 1.0)",
    "path": "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
}
ATTRIBUTION = "海外拠点レジストリ（自治体の海外拠点一覧）"


def published_rounds():
    """Survey rounds open to the public (公表, see registry/survey/lifecycle.py), newest first."""
    return SurveyRound.objects.published().order_by("-reference_date")


def published_round(reference_date):
    return published_rounds().filter(reference_date=reference_date).first()


def published_records(survey_round):
    """The base figures a published round reported, as the summary counts them."""
    return reported_records(survey_round).select_related(
        "base__organization__prefecture", "contractor", "survey_round"
    ).order_by("base__organization__code", "base__number")


# -- caching what is published ---------------------------------------------------------------------
#
# A published round is frozen (registry/survey/lifecycle.py): its figures change only by a correction. What
# public pages show is built from the published rounds' figures, the tables shown as they stand (LIVE_MODELS)
# and a few fields of each base (BASE_FIELDS). Everything built from them is cached under the stamp of a
# ``Publication`` kept in the shared cache; the stamp is renewed
#   * at once (and again after the commit) by every save, delete or bulk write of those records that changes
#     what the public sees — not by the edits of an open round's figures, which are not public;
#   * within CHECK_SECONDS by the history itself, for a write no signal reports (each process compares the last
#     history entry of every public table with the one the stamp was made from).
# What depends on one round's figures is kept under ``figures_key`` instead, across publications of other rounds;
# what also shows the tables as they stand (a round's open data files, summary, overview: ``Publication.round_key``)
# adds ``Publication.live``, which changes only with those tables (their history) or a base's public fields (a
# token renewed by the signals).
# After the commit of every renewal, the tasks worker builds what a first visitor would wait for
# (registry/public/publishing_tasks.py).

LIVE_MODELS = (SurveyRound, Organization, Contractor, Place, Agreement, Partner)
# What public pages read of a base itself (a round's figures have the rest): who owns it, its number, and the
# host agency and joint office the filters look at.
BASE_FIELDS = ("organization_id", "number", "host_agency_id", "joint_office_id")
# Bumped when what is cached changes shape, so a deployment never reads entries an older version wrote.
CACHE_FORMAT = 2


@dataclass(frozen=True)
class Publication:
    rounds: tuple  # the published rounds, newest first
    stamp: str  # new whenever anything public changes
    last_modified: object  # datetime of the last change of anything public, or None
    history: str = ""  # the last history entry of every public table when the stamp was made
    live: str = ""  # new whenever the live tables or a base's public fields change (not with rounds or figures)

    def key(self, *parts):
        text = "|".join(str(part) for part in (CACHE_FORMAT, self.stamp, *parts))
        return f"publication:{hashlib.sha256(text.encode()).hexdigest()}"

    def cached(self, build, *parts, timeout=TIMEOUT):
        """``build()`` once per state of the published data and ``parts`` (what else the result depends on)."""
        return cache.get_or_set(self.key(*parts), build, timeout)

    def round_key(self, survey_round, *parts):
        """The key of what shows one published round's figures and the live tables as they stand: publishing or
        correcting another round does not build it again."""
        published = next(r for r in self.rounds if r.pk == survey_round.pk)  # with its figures' stamp
        return figures_key(*parts, self.live, published.reference_date, rounds=[published])

    def round_cached(self, build, survey_round, *parts, timeout=TIMEOUT):
        """``build()`` once per state of ``survey_round``'s figures (from ``rounds``) and of the live tables."""
        return cache.get_or_set(self.round_key(survey_round, *parts), build, timeout)

    def round_kept(self, survey_round, *parts):
        """What ``round_cached`` keeps for this state, or None when it is not built yet (nothing is built)."""
        return cache.get(self.round_key(survey_round, *parts))

    def round(self, reference_date):
        return next((r for r in self.rounds if r.reference_date == reference_date), None)

    @property
    def latest(self):
        return self.rounds[0] if self.rounds else None


def figures_stamp(survey_round):
    """The last change of a published round's figures (``survey_round`` as ``publication()`` read it)."""
    return f"{survey_round.figures_id}@{survey_round.figures_date}"


def figures_key(*parts, rounds=()):
    """The cache key of what depends only on the figures of ``rounds`` (from ``publication().rounds``): it is not
    built again when another round is published."""
    text = "|".join(str(part) for part in (CACHE_FORMAT, *parts, *(f"{r.pk}={figures_stamp(r)}" for r in rounds)))
    return f"figures:{hashlib.sha256(text.encode()).hexdigest()}"


def per_round_cached(build, name, rounds, timeout=TIMEOUT):
    """{round pk: value} for ``rounds``, each kept while its figures stand; ``build(missing rounds)`` computes
    those not kept in one go (so an empty cache costs one query, a new round only its own)."""
    keys = {r.pk: figures_key(name, rounds=[r]) for r in rounds}
    found = cache.get_many(list(keys.values()))
    values = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [r for r in rounds if r.pk not in values]
    if missing:
        built = build(missing)
        cache.set_many({keys[r.pk]: built[r.pk] for r in missing}, timeout)
        values.update({r.pk: built[r.pk] for r in missing})
    return values


def _as_datetime(value):
    value = parse_datetime(value) if isinstance(value, str) else value  # SQLite answers MAX() with text
    return make_aware(value, datetime.timezone.utc) if is_naive(value) else value


def _history_state():
    """(text, (rounds, live stamp, last modified)): the last history entry of every public table and of each
    published round's figures; the published rounds, the stamp of the live tables (their part of the history and
    the token of the bases' public fields) and the last change (a query per table, each an index probe per table
    or round)."""
    figures = BaseRoundRecord.history.filter(survey_round_id=OuterRef("pk")).order_by("-history_date", "-history_id")
    rounds = tuple(published_rounds().annotate(
        figures_id=Subquery(figures.values("history_id")[:1]),
        figures_date=Subquery(figures.values("history_date")[:1]),
    ))
    latest = [model.history.aggregate(id=Max("history_id"), date=Max("history_date")) for model in LIVE_MODELS]
    parts = [f"{r.pk}:{r.reference_date}:{r.published_at}:{figures_stamp(r)}" for r in rounds]
    tables = [f"{model.__name__}:{row['id']}@{row['date']}" for model, row in zip(LIVE_MODELS, latest)]
    dates = [*(row["date"] for row in latest), *(r.figures_date for r in rounds), *(r.published_at for r in rounds)]
    dates = [_as_datetime(d) for d in dates if d is not None]
    live = "/".join(part for model, part in zip(LIVE_MODELS, tables) if model is not SurveyRound)
    return "/".join(parts + tables), (rounds, _live_stamp(live), max(dates) if dates else None)


PUBLIC = ChangeStamp("publication", read=_history_state)


def live_token_key():
    """Where the token of the bases' public fields lives (beside ``state_key``)."""
    return f"publication:live:{connection.vendor}:{connection.settings_dict['NAME']}"


def _live_stamp(live_history):
    key = live_token_key()
    cache.add(key, uuid.uuid4().hex, None)
    token = cache.get(key) or ""
    return hashlib.sha256(f"{live_history}|{token}".encode()).hexdigest()


def publication(request=None):
    """The published rounds and the stamp of everything public (``PUBLIC``, registry/core/stamps.py): one cache read
    (and, every CHECK_SECONDS per process or after a change, a query per public table). Computed once per
    request."""
    if request is not None and hasattr(request, "_publication"):
        return request._publication
    state = PUBLIC.state()
    rounds, live, last_modified = state.facts
    found = Publication(rounds, state.token, last_modified, state.history, live)
    if request is not None:
        request._publication = found
    return found


def renew_publication(live=False, build=True):
    """Something public changed: a new stamp now and after the commit (``ChangeStamp.renew``). ``live``: what the
    live tables' history does not show changed too (a base's public fields, new code): ``Publication.live`` is
    renewed as well. ``build``: enqueue the background build (not for rows a fixture or a restore loads, whose
    own task rows are loaded with them)."""
    PUBLIC.renew(*([live_token_key()] if live else []))
    if build:
        transaction.on_commit(_enqueue_build, robust=True)  # a worker that cannot be reached fails nothing


def _enqueue_build():
    from registry.public.publishing_tasks import enqueue_build  # it builds with the pages' code, which imports this

    enqueue_build()


@receiver(pre_save, sender=Base, dispatch_uid="publishing_base_fields")
def _base_saving(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    stored = Base.objects.filter(pk=instance.pk).values(*BASE_FIELDS).first()
    if stored is not None and any(stored[name] != getattr(instance, name) for name in BASE_FIELDS):
        renew_publication(live=True)


def _public_change(sender, raw=False, **kwargs):
    renew_publication(build=not raw)


for _model in LIVE_MODELS:
    post_save.connect(_public_change, sender=_model, dispatch_uid=f"publishing_saved_{_model.__name__}")
    post_delete.connect(_public_change, sender=_model, dispatch_uid=f"publishing_deleted_{_model.__name__}")


@receiver(post_save, sender=BaseRoundRecord, dispatch_uid="publishing_figures")
def _figures_saved(sender, instance, raw=False, **kwargs):
    if raw or SurveyRound.objects.filter(pk=instance.survey_round_id).frozen().exists():
        renew_publication(build=not raw)


@receiver(written_in_bulk, dispatch_uid="publishing_bulk")
def _written_in_bulk(sender, records, fields, **kwargs):
    if sender in LIVE_MODELS:
        renew_publication()
    elif sender is Base and {name.removesuffix("_id") for name in BASE_FIELDS} & {
            name.removesuffix("_id") for name in fields}:
        renew_publication(live=True)
    elif sender is BaseRoundRecord and SurveyRound.objects.filter(
            pk__in={record.survey_round_id for record in records}).frozen().exists():
        renew_publication()


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


@functools.lru_cache(maxsize=1)
def _replaced_characters():
    """A pattern of every character ``portable_text`` rewrites (found once: circled numbers lie in the Basic
    Multilingual Plane and in Enclosed Alphanumeric Supplement)."""
    found = [chr(code) for code in [*range(0x10000), *range(0x1F100, 0x1F200)]
             if _circled_number(chr(code)) is not None]
    ranges = "".join(f"{chr(low)}-{chr(high)}" for low, high in _COMPATIBILITY_BLOCKS)
    return re.compile("[" + re.escape("".join(found)) + ranges + "]")


def _replacement(match):
    ch = match.group()
    circled = _circled_number(ch)
    return circled if circled is not None else unicodedata.normalize("NFKC", ch)


def portable_text(value):
    """Text without platform-dependent characters: ① → (1), ㈱ → (株), ㍻ → 平成, Ⅲ → III."""
    if not value:
        return value or ""
    return _replaced_characters().sub(_replacement, str(value))
