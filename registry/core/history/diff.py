"""Two versions of a record as people read the difference: labelled, displayed changes.

One place decides which fields are compared (the ones people edit, then the
tracked relations), how a value reads (Japanese labels, era years, country
names, choice labels, related records by name) and what counts as unchanged.
The change log, each record's history page and the revert page use it.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_countries import countries
from django_countries.fields import CountryField

from registry.parsing.dates import format_partial_date
from registry.parsing.eras import format_fiscal_year

from registry.core.history.tracking import tracked_m2m_fields

# Fields whose stored value is not what people read.
VALUE_FORMATTERS = {"established_fy": format_fiscal_year}
# A date stored with its precision reads as one value (「1980年11月」); the precision is compared with its date.
PARTIAL_DATES = {"signed_on": "signed_precision", "ends_on": "ends_precision", "renewed_on": "renewed_precision"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    name: str = ""  # the field compared


def diff_fields(model):
    """The fields people edit, in form order: concrete non-key editable fields, then tracked relations."""
    concrete = [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]
    return concrete + tracked_m2m_fields(model)


def field_changes(model, old, new, old_relations, new_relations, related, fields=None):
    """What differs between two versions (either may be None: creation, deletion).

    ``fields`` (names) narrows the comparison to those fields, in their order.
    """
    changes = []
    compared = diff_fields(model) if fields is None else [model._meta.get_field(name) for name in fields]
    folded = {PARTIAL_DATES[f.name] for f in compared if f.name in PARTIAL_DATES}
    for model_field in compared:
        if model_field.name in folded:
            continue  # read with its date
        if model_field.many_to_many:
            old_value = old_relations.get(model_field.name, set()) if old is not None else set()
            new_value = new_relations.get(model_field.name, set()) if new is not None else set()
        else:
            old_value = raw_value(old, model_field) if old is not None else None
            new_value = raw_value(new, model_field) if new is not None else None
        if old is not None and new is not None and old_value == new_value:
            continue
        if _is_blank(old_value) and _is_blank(new_value):
            continue
        changes.append(
            FieldChange(
                label=capfirst(str(model_field.verbose_name)),
                old=display_value(model_field, old_value, related),
                new=display_value(model_field, new_value, related),
                name=model_field.name,
            )
        )
    return changes


def raw_value(obj, model_field):
    value = getattr(obj, model_field.attname)
    if model_field.name in PARTIAL_DATES and hasattr(obj, PARTIAL_DATES[model_field.name]):
        return (value, getattr(obj, PARTIAL_DATES[model_field.name])) if value is not None else None
    if isinstance(model_field, CountryField):
        if model_field.multiple:
            return [country.code for country in value or []]
        return getattr(value, "code", value) or ""
    return value


def _is_blank(value):
    return value is None or value == "" or value == [] or value == set()


def display_value(model_field, value, related):
    if _is_blank(value):
        return ""
    if model_field.name in VALUE_FORMATTERS:
        return VALUE_FORMATTERS[model_field.name](value)
    if isinstance(value, tuple) and model_field.name in PARTIAL_DATES:
        return format_partial_date(*value)
    if isinstance(model_field, CountryField):
        codes = value if isinstance(value, list) else [value]
        return "、".join(str(countries.name(code)) or code for code in codes)
    if model_field.many_to_many:
        return "、".join(sorted(related.label(model_field.related_model, pk) for pk in value))
    if isinstance(model_field, ForeignKey):
        return related.label(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def record_changes(old, new, fields=None, old_relations=None, new_relations=None):
    """What differs between two versions of one record, as ``FieldChange`` rows people read.

    ``old`` and ``new`` are model instances (saved or not) or historical rows;
    either may be None (creation, deletion). ``fields`` narrows the comparison to
    those field names. Tracked relations are read from saved instances unless given
    as ``{name: set of ids}``. Related records are named with one query per type.
    The import preview calls ``record_changes(current, incoming, fields=...)``.
    """
    model = _model_of(new if new is not None else old)
    old_relations = _relations_of(old, model) if old_relations is None else old_relations
    new_relations = _relations_of(new, model) if new_relations is None else new_relations
    related = RelatedObjects()
    for obj, relations in ((old, old_relations), (new, new_relations)):
        if obj is not None:
            related.want_references_of(obj, model, relations)
    related.load()
    return field_changes(model, old, new, old_relations, new_relations, related, fields=fields)


def changes_to_restore(version, current):
    """What restoring ``version`` would change in ``current`` (None for a deleted record)."""
    return record_changes(current, version, new_relations=RelationSnapshots([version]).of(version))


def _model_of(obj):
    return getattr(obj, "instance_type", type(obj))  # a historical row names its record's model


def _relations_of(obj, model):
    """Tracked many-to-many ids of a version ({} for None or an unsaved instance)."""
    if obj is None or obj.pk is None:
        return {}
    if hasattr(obj, "instance_type"):
        return RelationSnapshots([obj]).of(obj)
    return {f.name: set(getattr(obj, f.name).values_list("pk", flat=True)) for f in tracked_m2m_fields(model)}


class RelationSnapshots:
    """Tracked many-to-many values of each version, one query per relation."""

    def __init__(self, rows):
        self.values = defaultdict(dict)
        by_model = defaultdict(set)
        for row in rows:
            by_model[type(row)].add(row.history_id)
        for history_model, ids in by_model.items():
            for m2m_field in tracked_m2m_fields(history_model.instance_type):
                snapshot_model = getattr(history_model, m2m_field.name).model
                target = m2m_field.m2m_reverse_field_name()
                pairs = snapshot_model.objects.filter(history_id__in=ids).values_list("history_id", f"{target}_id")
                for row_id in ids:
                    self.values[(history_model, row_id)][m2m_field.name] = set()
                for history_id, target_id in pairs:
                    self.values[(history_model, history_id)][m2m_field.name].add(target_id)

    def of(self, row):
        if row is None:
            return {}
        return self.values.get((type(row), row.history_id), {})


class RelatedObjects:
    """Records named by foreign keys in the entries, loaded once per record type."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.found = {}

    def want(self, model, ids):
        self.wanted[model] |= {pk for pk in ids if pk is not None}

    def want_references_of(self, obj, model, relations):
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, ForeignKey):
                self.want(model_field.related_model, [getattr(obj, model_field.attname)])
        for name, ids in relations.items():
            self.want(model._meta.get_field(name).related_model, ids)

    def load(self):
        # Records that point at other records (a base's organization) are needed for their names.
        for model in sorted(self.wanted, key=lambda m: m._meta.model_name):
            joins = [f.name for f in model._meta.concrete_fields if isinstance(f, ForeignKey)]
            queryset = model._default_manager.filter(pk__in=self.wanted[model]).select_related(*joins)
            self.found[model] = {obj.pk: obj for obj in queryset}

    def get(self, model, pk):
        return self.found.get(model, {}).get(pk)

    def label(self, model, pk):
        obj = self.get(model, pk)
        if obj is None:
            return _("#%(id)s (deleted)") % {"id": pk}
        if model is get_user_model():
            return obj.get_username()
        return str(obj)

    def attach(self, instance, model):
        """Give the version its related records so naming it needs no query."""
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, ForeignKey):
                value = getattr(instance, model_field.attname)
                model_field.set_cached_value(instance, self.get(model_field.related_model, value))
        return instance
