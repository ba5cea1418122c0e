"""The change log as a story: one line per action (an edit, an import, a bulk action), newest first.

An action is a change group (every history row written inside one ``change_context``). Its line says
what it was and what it did — for an import "2019-09-30 調査の取込 #3 — coordinator — 新規 3・更新 7・未回答 5"
— and opens onto its entries: real changes first, the survey round's bookkeeping (round records) folded.

``ActionLines`` is the sequence Django's paginator pages through: the actions are found by walking the
entries newest first; a page loads its groups' summaries in one grouped query over every table, the keys of
each group's newest real changes in one more, and the entries of its lone lines and first real changes with
``load_entries`` — a constant number of queries whatever the number of actions, entries or record types.
"""
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, IntegerField, Max, Min, Value, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.core.history.context import Source
from registry.core.history.log import load_entries
from registry.models import BaseRoundRecord, ImportRecord

# Record types the survey round writes as bookkeeping alongside real changes (folded in an action's entries).
BOOKKEEPING_MODELS = (BaseRoundRecord,)
SHOWN_CHANGES = 10  # real changes shown under an action's line; the rest are one click away

IMPORT_COUNT_LABELS = [
    ("new", gettext_lazy("new")),
    ("updated", gettext_lazy("updated")),
    ("missing", gettext_lazy("not reported")),
    ("deleted", gettext_lazy("deleted")),
]
ACTION_COUNT_LABELS = [
    ("+", gettext_lazy("created")),
    ("~", gettext_lazy("changed")),
    ("-", gettext_lazy("deleted")),
]


@dataclass
class ActionLine:
    """One action of the change log (a change group), or a lone entry written outside any group."""

    key: object  # the change group's UUID, or (history model, history id) of a lone entry
    last: object
    size: int = 0
    import_record: object = None
    actor: str = ""
    reason: str = ""
    source: str = ""
    counts: dict = field(default_factory=dict)  # history_type → entries of real changes
    bookkeeping: int = 0
    changes: list = field(default_factory=list)  # Entry objects: the first real changes
    real_total: int = 0

    @property
    def group(self):
        return self.key if isinstance(self.key, uuid.UUID) else None

    @property
    def is_single(self):
        """One entry shown as itself; a lone survey round entry (bookkeeping, not loaded as a change) is shown as
        its action, like a group."""
        return self.size == 1 and bool(self.changes)

    @property
    def title(self):
        if self.import_record is not None:
            return self.import_record.label
        return str(dict(Source.choices).get(self.source, self.source or _("Change")))

    @property
    def summary(self):
        """「新規 3・更新 7・未回答 5」 for an import, 「変更 12」 for other actions."""
        if self.import_record is not None:
            counts = self.import_record.counts or {}
            parts = [f"{label} {counts[key]}" for key, label in IMPORT_COUNT_LABELS if counts.get(key)]
        else:
            parts = [f"{label} {self.counts[code]}" for code, label in ACTION_COUNT_LABELS if self.counts.get(code)]
        return "・".join(parts)

    @property
    def hidden_changes(self):
        return max(self.real_total - len(self.changes), 0)


class ActionLines:
    """The actions matching the filters, newest first, as a sequence for ``django.core.paginator``.

    The actions are found by walking the entries newest first (the tables' date indexes) until the requested
    page is full and one more action shows that a next page exists; nothing groups or counts the whole
    history, so a page costs the same with a thousand entries or a million. ``count()`` is therefore the
    number of actions up to the requested page, plus one when there are more.
    """

    FIRST_CHUNK, LAST_CHUNK = 500, 20_000

    def __init__(self, querysets, page_size, page_number=1):
        self.querysets = querysets
        self.wanted = max(page_number, 1) * page_size + 1
        self._keys = None

    def keys(self):
        """(key, newest date) of the actions up to the requested page (and one more), newest first."""
        if self._keys is None:
            # Actions average a few entries: one read of 20 entries per wanted action usually suffices.
            found, offset, chunk = {}, 0, min(max(self.FIRST_CHUNK, self.wanted * 20), self.LAST_CHUNK)
            while len(found) < self.wanted:
                actions, entries = action_rows(self.querysets, offset, chunk, self.wanted)
                for key, date in actions:
                    found.setdefault(key, date)
                    if len(found) >= self.wanted:
                        break
                if entries < chunk:
                    break
                offset, chunk = offset + chunk, min(chunk * 2, self.LAST_CHUNK)
            self._keys = list(found.items())
        return self._keys

    def count(self):
        return len(self.keys())

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.lines(self.keys()[index])
        return self.lines([self.keys()[index]])[0]

    def lines(self, keys):
        lines = {key: ActionLine(key=key, last=last) for key, last in keys}
        groups = [key for key in lines if isinstance(key, uuid.UUID)]
        for row in sorted(group_summaries(self.querysets, groups), key=lambda row: row["record_type_index"]):
            line = lines[row["change_group"]]
            line.size += row["n"]
            line.import_record = line.import_record or row["import_id"]
            line.actor = line.actor or row["actor"] or ""
            line.reason = line.reason or row["reason"] or ""
            line.source = line.source or row["source"] or ""
            if is_bookkeeping(self.querysets[row["record_type_index"]]):
                line.bookkeeping += row["n"]
            else:
                line.counts[row["history_type"]] = line.counts.get(row["history_type"], 0) + row["n"]
                line.real_total += row["n"]
        first_changes = defaultdict(list)
        for group, date, history_id, index in newest_real_changes(self.querysets, groups):
            first_changes[group].append((date, history_id, index))
        chosen = {}
        for group, found in first_changes.items():
            found.sort(key=lambda item: item[2])  # equal dates and ids: the tables in their order
            found.sort(key=lambda item: (item[0], item[1]), reverse=True)
            chosen[group] = [(self.querysets[index].model, history_id)
                             for _date, history_id, index in found[:SHOWN_CHANGES]]
        for key in lines:
            if not isinstance(key, uuid.UUID):
                lines[key].size, lines[key].real_total = 1, 1
                chosen[key] = [key]
        self.attach(lines, chosen)
        return [lines[key] for key, _last in keys]

    def attach(self, lines, first_changes):
        """The import records and the first real changes of the lines, in one load."""
        import_ids = {line.import_record for line in lines.values() if isinstance(line.import_record, int)}
        imports = ImportRecord.objects.select_related("survey_round").in_bulk(import_ids)
        wanted = [(key, item) for key, items in first_changes.items() for item in items]
        entries = load_entries([item for _key, item in wanted])
        by_item = {(type(entry.record), entry.record.history_id): entry for entry in entries}
        for line in lines.values():
            line.import_record = imports.get(line.import_record) if line.import_record else None
        for key, item in wanted:
            entry = by_item.get(item)
            if entry is not None:
                lines[key].changes.append(entry)
        for line in lines.values():
            line.changes.sort(key=lambda entry: (entry.record.history_date, entry.record.history_id), reverse=True)
            line.changes = line.changes[:SHOWN_CHANGES]
            if line.size == 1 and line.changes:
                line.actor = line.changes[0].record.actor_name
                line.reason = line.changes[0].record.history_change_reason or ""
                line.source = line.changes[0].record.change_source


def is_bookkeeping(queryset):
    return issubclass(queryset.model.instance_type, BOOKKEEPING_MODELS)


def union_all(branches):
    return branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]


def group_summaries(querysets, groups):
    """Per change group, record type (the queryset's index) and history type: entries, import record, actor,
    reason, source — one query over every table (a UNION ALL of grouped branches)."""
    if not groups or not querysets:
        return []
    branches = [
        queryset.filter(change_group__in=groups).order_by()
        .annotate(record_type_index=Value(index, output_field=IntegerField()))
        .values("change_group", "history_type", "record_type_index")
        .annotate(n=Count("history_id"), import_id=Max("import_record_id"), actor=Min("actor_name"),
                  reason=Min("history_change_reason"), source=Min("change_source"))
        for index, queryset in enumerate(querysets)
    ]
    return list(union_all(branches))


def newest_real_changes(querysets, groups):
    """(group, date, history id, index of the queryset) of the newest SHOWN_CHANGES real changes of each group
    in each table, in one query over every table (ranked per group by a window function)."""
    real = [(index, queryset) for index, queryset in enumerate(querysets) if not is_bookkeeping(queryset)]
    if not groups or not real:
        return []
    branches = [
        queryset.filter(change_group__in=groups).order_by()
        .annotate(record_type_index=Value(index, output_field=IntegerField()),
                  rank=Window(RowNumber(), partition_by=[F("change_group")],
                              order_by=[F("history_date").desc(), F("history_id").desc()]))
        .filter(rank__lte=SHOWN_CHANGES)
        .values_list("change_group", "history_date", "history_id", "record_type_index")
        for index, queryset in real
    ]
    return list(union_all(branches))


def entry_rows(querysets, offset, limit):
    """(date, history id, change group, record type index) of entries newest first, across every table (a
    queryset of a UNION ALL, sliced)."""
    branches = []
    for index, queryset in enumerate(querysets):
        branch = queryset.annotate(record_type_index=Value(index, output_field=IntegerField())).values_list(
            "history_date", "history_id", "change_group", "record_type_index")
        if connection.features.supports_slicing_ordering_in_compound or len(querysets) == 1:
            branch = branch.order_by("-history_date", "-history_id")[:offset + limit]
        else:
            branch = branch.order_by()
        branches.append(branch)
    if len(branches) == 1:
        return branches[0][offset:]
    combined = branches[0].union(*branches[1:], all=True)
    return combined.order_by("-history_date", "-history_id")[offset:offset + limit]


def action_rows(querysets, offset, limit, actions):
    """The first ``actions`` actions among the entries ``offset`` to ``offset + limit`` (newest first, across
    every table), newest first, as (key, newest date), and how many entries that window held. Grouped in the
    database: a window of 1,000 entries of one import is one row, not 1,000 to read (a key is the change group,
    or the history model and id of an entry without one). An action may go on from the previous window, so ask
    for as many actions as are wanted in all, not only for those still missing."""
    if not querysets:
        return [], 0
    sql, params = entry_rows(querysets, offset, limit).query.sql_with_params()
    alone = "CASE WHEN change_group IS NULL THEN {} END"
    grouped = (
        f"SELECT change_group, MIN(record_type_index), MAX(history_id), MAX(history_date), SUM(COUNT(*)) OVER () "
        f"FROM ({sql}) entries GROUP BY change_group, {alone.format('record_type_index')}, {alone.format('history_id')} "
        f"ORDER BY MAX(history_date) DESC, MAX(history_id) DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(grouped, (*params, actions))
        rows = cursor.fetchall()
    date_field = querysets[0].model._meta.get_field("history_date")
    found = [(as_uuid(group) if group is not None else (querysets[index].model, history_id),
              stored_datetime(date_field, date)) for group, index, history_id, date, _window in rows]
    return found, int(rows[0][4]) if rows else 0


def as_uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def stored_datetime(field, value):
    """A datetime as a raw cursor returned it (SQLite: text), as the ORM would return it."""
    for converter in connection.ops.get_db_converters(field.get_col(field.model._meta.db_table)):
        value = converter(value, field.get_col(field.model._meta.db_table), connection)
    return value


def split_bookkeeping(entries):
    """An action's entries: real changes first, then the round bookkeeping (shown folded)."""
    real = [entry for entry in entries if not issubclass(entry.model, BOOKKEEPING_MODELS)]
    bookkeeping = [entry for entry in entries if issubclass(entry.model, BOOKKEEPING_MODELS)]
    return real, bookkeeping
