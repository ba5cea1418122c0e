"""The change log across every table: which entries a user may see, paged newest first.

The change log and every record's history page show the same thing per entry:
the record as it was, its organization, the action, and the field-level
differences as ``registry.core.history.diff`` words them.

Loading a page of entries costs a fixed number of queries whatever the number
of entries: one for the page's keys across all tables, then per record type on
the page one for its rows and two for their previous versions, and one per
related record type named in them.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.fields import IntegerField
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from registry.core.permissions import has_model_permission, organization_ids_in_scope

from registry.core.history.context import Source
from registry.core.history.diff import RelatedObjects, RelationSnapshots, field_changes
from registry.core.history.tracking import tracked_models

CREATE, UPDATE, DELETE, REVERT = "create", "update", "delete", "revert"
ACTION_CHOICES = [
    (CREATE, gettext_lazy("Created")),
    (UPDATE, gettext_lazy("Changed")),
    (DELETE, gettext_lazy("Deleted")),
    (REVERT, gettext_lazy("Reverted")),
]
HISTORY_TYPES = {CREATE: "+", UPDATE: "~", DELETE: "-"}
ACTION_OF_TYPE = {code: action for action, code in HISTORY_TYPES.items()}


# --- who may see which entries -------------------------------------------------------------

def organization_condition(model, organization_ids):
    """The history rows of ``model`` that belonged to these organizations when written.

    Follows the model's ``organization_field`` (the same path that scopes live
    records) through the related records' history, so entries of records
    deleted since stay attributable. None for records shared by everyone.
    """
    path = getattr(model._default_manager.get_queryset(), "organization_field", None)
    if path is None:
        return None
    return _path_condition(model, path, list(organization_ids))


def _path_condition(model, path, organization_ids):
    if path == "pk":
        return Q(**{f"{model._meta.pk.attname}__in": organization_ids})
    first, _sep, rest = path.partition("__")
    link = model._meta.get_field(first)
    if not rest:
        return Q(**{f"{link.attname}__in": organization_ids})
    # Entries of a round record (or a renewal) belong to whoever owns its base (agreement) now,
    # or owned it last if it was deleted: the rule permissions.owning_organization_id applies.
    related = link.related_model
    lookup = "pk__in" if rest == "pk" else f"{rest}__in"
    live_owned = related._default_manager.filter(**{lookup: organization_ids}).values("pk")
    deleted_owned = (
        related.history.filter(_path_condition(related, rest, organization_ids), history_type="-")
        .exclude(**{f"{related._meta.pk.attname}__in": related._default_manager.values("pk")})
        .values(related._meta.pk.attname)
    )
    return Q(**{f"{link.attname}__in": live_owned}) | Q(**{f"{link.attname}__in": deleted_owned})


def visible_models(user):
    """Record types whose history the user may read: view permission, and an organization for clerks."""
    scope = organization_ids_in_scope(user, "view")
    return [
        model
        for model in tracked_models()
        if has_model_permission(user, model, "view")
        and (scope is None or organization_condition(model, ()) is not None)
    ]


@dataclass
class HistoryFilters:
    organization: object = None  # an Organization, or several (a partial name matches several)
    model: type = None
    actor: str = ""
    action: str = ""
    date_from: datetime.date = None
    date_to: datetime.date = None
    import_id: int = None
    reason: str = ""
    group: object = None


def history_querysets(user, filters):
    """One filtered history queryset per record type the user may read."""
    scope = organization_ids_in_scope(user, "view")
    querysets = []
    for model in visible_models(user):
        if filters.model is not None and model is not filters.model:
            continue
        queryset = model.history.all()
        if scope is not None:
            queryset = queryset.filter(organization_condition(model, scope))
        if filters.organization is not None:
            chosen = filters.organization if isinstance(filters.organization, (list, tuple, set)) else [
                filters.organization]
            condition = organization_condition(model, [organization.pk for organization in chosen])
            if condition is None:
                continue
            queryset = queryset.filter(condition)
        querysets.append(_apply_filters(queryset, filters))
    return querysets


def _apply_filters(queryset, filters):
    if filters.actor:
        queryset = queryset.filter(actor_name__contains=filters.actor)  # part of the name: "clerk" finds osaka_clerk
    if filters.action == REVERT:
        queryset = queryset.filter(change_source=Source.REVERT)
    elif filters.action:
        queryset = queryset.filter(history_type=HISTORY_TYPES[filters.action]).exclude(change_source=Source.REVERT)
    if filters.date_from:
        queryset = queryset.filter(history_date__gte=_start_of(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(history_date__lt=_start_of(filters.date_to + datetime.timedelta(days=1)))
    if filters.import_id:
        queryset = queryset.filter(import_record_id=filters.import_id)
    if filters.reason:
        # Case-sensitive: reasons are mostly Japanese, and UPPER() on every row doubles the scan time.
        queryset = queryset.filter(history_change_reason__contains=filters.reason)
    if filters.group:
        queryset = queryset.filter(change_group=filters.group)
    return queryset


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- paging through every table at once ------------------------------------------------------

def entry_keys(querysets, offset=0, limit=None):
    """(history model, history id) of the entries newest first, in one query over all tables."""
    if not querysets:
        return []
    models = [qs.model for qs in querysets]
    if len(querysets) == 1:
        combined = _key_branch(querysets[0], 0, offset, None)
    else:
        branches = [_key_branch(qs, index, offset, limit) for index, qs in enumerate(querysets)]
        combined = branches[0].union(*branches[1:], all=True)
    combined = combined.order_by("-history_date", "-history_id")
    if limit is not None:
        combined = combined[offset:offset + limit]
    elif offset:
        combined = combined[offset:]
    return [(models[index], history_id) for _date, history_id, index in combined]


def _key_branch(queryset, index, offset, limit):
    branch = queryset.annotate(record_type_index=Value(index, output_field=IntegerField())).values_list(
        "history_date", "history_id", "record_type_index"
    )
    if limit is not None and connection.features.supports_slicing_ordering_in_compound:
        # Each table's own newest rows, read from its date index, whatever the filters match.
        return branch.order_by("-history_date", "-history_id")[:offset + limit]
    return branch.order_by()


def load_entries(keys):
    """The entries for these keys, in the keys' order."""
    ids_by_model = defaultdict(list)
    for model, history_id in keys:
        ids_by_model[model].append(history_id)
    rows = {}
    for model, ids in ids_by_model.items():
        for row in model.objects.filter(history_id__in=ids):
            rows[(model, row.history_id)] = row
    return describe([rows[key] for key in keys if key in rows])


# --- what each entry changed ------------------------------------------------------------------

@dataclass
@dataclass
class Entry:
    record: object
    model: type
    action: str
    label: str
    organization_name: str
    changes: list = field(default_factory=list)

    @property
    def action_label(self):
        return dict(ACTION_CHOICES)[self.action]

    @property
    def record_type(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def object_id(self):
        return getattr(self.record, self.model._meta.pk.attname)

    @property
    def history_url(self):
        return _admin_url(self.model, "history", self.object_id)

    @property
    def restore_url(self):
        return _admin_url(self.model, "simple_history", self.object_id, self.record.history_id)

    @property
    def changes_text(self):
        return "\n".join(f"{c.label}: {c.old or '—'} → {c.new or '—'}" for c in self.changes)


def _admin_url(model, view, *args):
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return ""


def action_of(row):
    if row.change_source == Source.REVERT:
        return REVERT
    return ACTION_OF_TYPE[row.history_type]


def describe(rows):
    """Entries for historical rows of any record types, with their differences to the version before."""
    previous = previous_versions(rows)
    m2m = RelationSnapshots(rows + [p for p in previous.values() if p is not None])
    related = RelatedObjects()
    for row in rows + [p for p in previous.values() if p is not None]:
        related.want_references_of(row, row.instance_type, m2m.of(row))
    related.load()
    return [_entry(row, previous.get((type(row), row.history_id)), m2m, related) for row in rows]


def _entry(row, previous, m2m, related):
    model = row.instance_type
    action = action_of(row)
    if action == DELETE:
        changes = field_changes(model, row, None, m2m.of(row), {}, related)
    else:
        changes = field_changes(model, previous, row, m2m.of(previous), m2m.of(row), related)
    snapshot = related.attach(row.history_object, model)
    return Entry(
        record=row,
        model=model,
        action=action,
        label=_label_of(snapshot, model),
        organization_name=_organization_name(snapshot, related),
        changes=changes,
    )


def previous_versions(rows):
    """{(history model, history id): the version just before it, or None}; one query per record type."""
    result = {}
    by_model = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    for history_model, model_rows in by_model.items():
        pk_name = model_rows[0].instance_type._meta.pk.attname
        earlier = (
            history_model.objects.filter(**{pk_name: OuterRef(pk_name)})
            .filter(
                Q(history_date__lt=OuterRef("history_date"))
                | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        # Two steps: with the ids as a subquery PostgreSQL would scan the whole table to join them.
        previous_ids = (
            history_model.objects.filter(history_id__in=[row.history_id for row in model_rows])
            .annotate(previous_id=Subquery(earlier))
            .values_list("previous_id", flat=True)
        )
        previous_ids = [pk for pk in previous_ids if pk is not None]
        versions = defaultdict(list)
        for version in history_model.objects.filter(history_id__in=previous_ids):
            versions[getattr(version, pk_name)].append(version)
        for row in model_rows:
            # The fetched versions hold each row's predecessor: the latest one before it.
            key = (row.history_date, row.history_id)
            before = [v for v in versions[getattr(row, pk_name)] if (v.history_date, v.history_id) < key]
            result[(history_model, row.history_id)] = max(
                before, key=lambda v: (v.history_date, v.history_id), default=None
            )
    return result


def _label_of(instance, model):
    try:
        return str(instance)
    except (AttributeError, ObjectDoesNotExist):
        return f"{capfirst(model._meta.verbose_name)} #{instance.pk}"


def _organization_name(instance, related):
    """The organization the record belonged to in this version, following its organization path."""
    path = getattr(type(instance)._default_manager.get_queryset(), "organization_field", None)
    if path is None:
        return ""
    if path == "pk":
        return instance.name
    current = instance
    for step in path.split("__"):
        current = getattr(current, step, None) if current is not None else None
    return getattr(current, "name", "")
