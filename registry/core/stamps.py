"""Change stamps: a token in the shared cache that is renewed whenever certain tables are written.

What is built from those tables (a round's counts, a comparison of two rounds, what the public sees:
registry/public/publishing.py) is cached under the token, so it is built again after a change. The token is renewed
  * at once and again after the commit by the writes signals report (saves, deletes, ``written_in_bulk``), so no
    request that read the rows before the commit keeps its result under the new token;
  * within ``CHECK_SECONDS`` by the history itself, for a write no signal reports: each process compares the
    last history entry of every watched table with the one the token was made from (the history guard makes
    every write leave one).
A request that counted before a writer's commit and stores its result after it can keep a result that misses
that write under the new token: for at most CHECK_SECONDS, until the history check renews the token.
"""
import hashlib
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save

from registry.core.history.tracking import written_in_bulk

CHECK_SECONDS = 10
TIMEOUT = 24 * 60 * 60


@dataclass(frozen=True)
class StampState:
    token: str
    history: str  # the last history entry of every watched table when the token was made
    facts: object = None  # what ``read`` found beside the history (e.g. the published rounds)


class ChangeStamp:
    """The stamp of the tables of ``models`` (each with simple-history), or of what ``read()`` returns as
    (history text, facts): the last history entries that must not move, and what else was read with them."""

    def __init__(self, name, models=(), read=None):
        self.name = name
        self.models = tuple(models)
        self.read = read or self.history
        self.checked_at = 0.0

    def state_key(self):
        """One per database: tests, a copy or another server never mix."""
        return f"stamp:{self.name}:{connection.vendor}:{connection.settings_dict['NAME']}"

    def history(self):
        """The last history entry of each watched table (an index probe each)."""
        rows = [model.history.aggregate(id=Max("history_id"), date=Max("history_date")) for model in self.models]
        return "/".join(f"{row['id']}@{row['date']}" for row in rows), None

    def state(self):
        """The current state: one cache read (and, every CHECK_SECONDS per process, ``read()``)."""
        state = cache.get(self.state_key())
        now = time.monotonic()
        if state is None or now - self.checked_at > CHECK_SECONDS:
            history, facts = self.read()
            self.checked_at = now
            if state is None or state.history != history:
                state = StampState(uuid.uuid4().hex, history, facts)
                cache.set(self.state_key(), state, None)
        return state

    def token(self):
        return self.state().token

    def watch(self):
        """Renew the token on every save, delete and bulk write of the watched models."""
        for model in self.models:
            post_save.connect(self._written, sender=model, dispatch_uid=f"stamp_{self.name}_saved_{model.__name__}")
            post_delete.connect(self._written, sender=model, dispatch_uid=f"stamp_{self.name}_deleted_{model.__name__}")
        written_in_bulk.connect(self._written_in_bulk, dispatch_uid=f"stamp_{self.name}_bulk")
        return self

    def _written(self, sender, **kwargs):
        self.renew()

    def _written_in_bulk(self, sender, **kwargs):
        if sender in self.models:
            self.renew()

    def renew(self, *also):
        """A new token now (this transaction's reads) and after the commit (so no request that read the old rows
        keeps its result under the new token); ``also``: other cache keys that go with it."""
        keys = [self.state_key(), *also]
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))

    def cached(self, build, *parts, timeout=TIMEOUT):
        """``build()`` once per state of the watched tables and ``parts`` (what else the result depends on)."""
        text = "|".join(str(part) for part in (self.token(), *parts))
        return cache.get_or_set(f"{self.name}:{hashlib.sha256(text.encode()).hexdigest()}", build, timeout)


def query_key(queryset):
    """A queryset's SQL with its parameters: what a cached result built from it depends on (one key for every
    queryset that cannot match anything, e.g. the records of a clerk who belongs to no organization)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return "nothing"
    return f"{sql}|{params!r}"
