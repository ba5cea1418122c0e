"""Historical tables for every registry model: our columns, and no entry for an empty save.

django-simple-history writes one historical row per save or delete;
``TrackedHistory`` adds the change group, actor, route and import record
(filled from ``registry.core.history.context``) and skips saves that changed nothing.
"""
from django.apps import apps
from django.db import connections, models, router, transaction
from django.dispatch import Signal, receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from registry.core.history.context import ChangeContext, Source, current_context, is_loading_recorded_data


class HistoryExtras(models.Model):
    """Columns added to every historical table."""

    change_group = models.UUIDField(_("change group"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True, db_index=True)
    change_source = models.CharField(
        _("through"), max_length=20, choices=Source.choices, blank=True, db_index=True
    )
    import_record = models.ForeignKey(
        "registry.ImportRecord",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


def tracked_field_names(model):
    return [f.attname for f in model._meta.concrete_fields]


def has_changed_since_last_history(instance, history_manager):
    """True when the instance differs from its latest history row (or has none)."""
    latest = history_manager.order_by("-history_date", "-history_id").first()
    if latest is None:
        return True
    return any(getattr(instance, name) != getattr(latest, name) for name in tracked_field_names(type(instance)))


class TrackedHistory(HistoricalRecords):
    """HistoricalRecords that adds our columns and writes nothing for an empty save."""

    def __init__(self, *args, indexes=(), **kwargs):
        """``indexes``: extra indexes of the historical table, as tuples of field names."""
        kwargs.setdefault("bases", [HistoryExtras])
        kwargs.setdefault("cascade_delete_history", False)
        self.extra_indexes = [list(fields) for fields in indexes]
        super().__init__(*args, **kwargs)

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        # The change log pages through every table newest first and filters by action;
        # a record's history (and each entry's previous version) is read newest first per record.
        options["indexes"] = [
            models.Index(fields=["history_date", "history_id"]),
            models.Index(fields=["history_type", "history_date"]),
            models.Index(fields=[model._meta.pk.attname, "history_date", "history_id"]),
            *(models.Index(fields=fields) for fields in self.extra_indexes),
        ]
        return options

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            sender._tracked_history = self

    def post_save(self, instance, created, using=None, **kwargs):
        if is_loading_recorded_data():
            return
        if not created and not kwargs.get("raw"):
            manager = getattr(instance, self.manager_name)
            if not has_changed_since_last_history(instance, manager):
                return
        super().post_save(instance, created, using=using, **kwargs)

    def post_delete(self, instance, using=None, **kwargs):
        if not is_loading_recorded_data():
            super().post_delete(instance, using=using, **kwargs)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not is_loading_recorded_data():
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)


def _context_or_system():
    return current_context() or ChangeContext(group=None, source=Source.COMMAND, actor_name="system")


def context_columns(context, user, instance=None):
    """Our history columns for a row of ``instance`` written by ``user`` (or nobody) inside ``context``."""
    columns = {
        "actor_name": actor_name_for(context, user, instance),
        "change_group": context.group,
        "change_source": context.source or Source.COMMAND,
    }
    if context.import_record is not None:
        columns["import_record_id"] = context.import_record.pk  # by id: no related-object check per history row
    return columns


def actor_name_for(context, user, instance=None):
    """The user's name; a prefecture's lead writing a municipality's record is named with what it did there:
    「osaka_lead (大阪府 取りまとめ (代理))」 when it entered on the municipality's behalf (代理入力), 「osaka_lead
    (大阪府 取りまとめ)」 for its own steps (差し戻し, 確認済み), so the history tells them from the clerk's."""
    from .labels import lead_actor_name

    name = (user.get_username() if user else "") or context.actor_name
    if user is None or instance is None:
        return name
    return lead_actor_name(name, user, instance, own_step=context.lead_step)


def bulk_history_options():
    """Keyword arguments for simple-history's bulk writes (``bulk_create_with_history`` …) naming the action in
    progress, as the signal below does for single saves (bulk writes send no signal per row)."""
    context = _context_or_system()
    context.wrote = True
    return {
        "default_user": context.user,
        "default_change_reason": context.reason,
        "custom_historical_attrs": context_columns(context, context.user),
    }


# Sent after ``write_in_bulk`` created or updated records (model signals do not fire for bulk writes):
# ``records`` and the ``fields`` updated (none for created records).
written_in_bulk = Signal()


def write_in_bulk(model, created=(), updated=(), fields=(), batch_size=1000, report=None):
    """``_write_in_bulk`` once per actor name the records' history rows carry (a lead's 代理入力 across
    municipalities is named per record: ``actor_name_for``)."""
    context = _context_or_system()
    created, updated = list(created), list(updated)
    names = {}
    if context.user is not None:
        for obj in created + updated:
            names[id(obj)] = actor_name_for(context, context.user, obj)
    if len(set(names.values())) <= 1:
        name = next(iter(names.values()), None)
        return _write_in_bulk(model, created, updated, fields, batch_size, report, actor_name=name)
    written = 0
    for name in sorted(set(names.values())):
        written += _write_in_bulk(model, [o for o in created if names[id(o)] == name],
                                  [o for o in updated if names[id(o)] == name], fields, batch_size, report,
                                  actor_name=name)
    return written


def _write_in_bulk(model, created=(), updated=(), fields=(), batch_size=1000, report=None, actor_name=None):
    """Insert ``created`` and update ``fields`` of ``updated`` in batches, each record with its history row naming
    the action in progress like a single save (who, when, why, route, import record, change group), written by
    simple-history's bulk API (``bulk_create_with_history``; ``bulk_update_with_history`` for the history of
    updates). Returns how many were written.

    ``report(count)``, if given, is told each batch written (an import's progress bar); the batches are then
    handed to simple-history one at a time, in the same queries.
    """
    options = bulk_history_options()
    if actor_name is not None:
        options["custom_historical_attrs"]["actor_name"] = actor_name
    created, updated = list(created), list(updated)
    size = SLICE if report is None else min(SLICE, batch_size)
    for start in range(0, len(created), size):
        bulk_create_with_history(created[start:start + size], model, batch_size=batch_size, **options)
        if report is not None:
            report(len(created[start:start + size]))
    if created:
        written_in_bulk.send(sender=model, records=created, fields=[])
    for start in range(0, len(updated), size):
        update_with_history(model, updated[start:start + size], list(fields), batch_size, options)
        if report is not None:
            report(len(updated[start:start + size]))
    if updated:
        written_in_bulk.send(sender=model, records=updated, fields=list(fields))
    return len(created) + len(updated)


# Records handed to simple-history at a time (it builds every historical row of a call before inserting them).
SLICE = 5000


def update_with_history(model, objs, fields, batch_size, options):
    """Update ``fields`` of ``objs`` with one ``UPDATE … FROM (VALUES …)`` per batch, then write their 「changed」
    history rows through simple-history's bulk API (``bulk_update_with_history`` given no fields writes only the
    history).

    Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` expression per record and field: for 10,000
    records of 17 fields that is 170,000 expressions to resolve and compile (about a minute). A list of values
    joined on the primary key says the same with no expression per value. Values are prepared by each field as
    ``bulk_update`` prepares them.
    """
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.pk] + [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    typed = connection.vendor == "postgresql"  # literals in VALUES are untyped text there: cast them

    def value(column):
        name = f"v.{quote(column.column)}"
        return f"CAST({name} AS {column.cast_db_type(connection)})" if typed else name

    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(column.column)} = {value(column)}" for column in columns[1:])
    names = ", ".join(quote(column.column) for column in columns)
    statement = (f"WITH v ({names}) AS (VALUES {{rows}}) UPDATE {table} SET {assignments} FROM v "
                 f"WHERE {table}.{quote(meta.pk.column)} = {value(meta.pk)}")
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(columns, objs) if objs else batch_size))
    for obj in objs:  # a related record created in this action gives its new primary key, as in bulk_update
        obj._prepare_related_fields_for_save(operation_name="bulk_update", fields=columns[1:])
    with transaction.atomic(using=connection.alias, savepoint=False):
        if columns[1:]:
            with connection.cursor() as cursor:
                for start in range(0, len(objs), size):
                    batch = objs[start:start + size]
                    params = [column.get_db_prep_save(getattr(obj, column.attname), connection)
                              for obj in batch for column in columns]
                    cursor.execute(statement.format(rows=", ".join([row] * len(batch))), params)
        bulk_update_with_history(objs, model, [], batch_size=batch_size, **options)


@receiver(pre_create_historical_record)
def fill_history_extras(sender, instance, history_instance, history_user=None, **kwargs):
    context = _context_or_system()
    context.wrote = True
    if history_instance.history_user_id is None and context.user is not None:
        history_instance.history_user = context.user
    for name, value in context_columns(context, history_instance.history_user, instance).items():
        setattr(history_instance, name, value)
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = context.reason


def tracked_models():
    """Every registry model whose changes are recorded, in a stable order."""
    models_ = [m for m in apps.get_app_config("registry").get_models() if hasattr(m, "_tracked_history")]
    return sorted(models_, key=lambda m: m._meta.model_name)


def tracked_m2m_fields(model):
    return sorted(model._tracked_history.get_m2m_fields_from_model(model), key=lambda f: f.name)


