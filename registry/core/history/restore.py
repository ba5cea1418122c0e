"""Restoring a record to one of its versions (recreating it if deleted), as one revert entry."""
from django.db import transaction

from registry.core.history.context import Source, change_context
from registry.core.history.tracking import has_changed_since_last_history, tracked_m2m_fields


class NotRevertible(Exception):
    """The record's history is kept for the record, but may not be replayed (who has access)."""


def is_revertible(model):
    """Access records (memberships) are granted and revoked with grant_role/revoke_role only, never by revert."""
    return getattr(model, "history_revertible", True)


def restore_version(version, reason, user=None):
    """Make the record what it was in ``version`` (recreating it if deleted), as one revert entry.

    Every concrete field and every tracked many-to-many field takes the version's
    value. The record is validated first; the caller gets the ValidationError.
    Returns the restored instance (no entry is written if nothing differs). Restoring a base saves it,
    so the open round's record follows it (registry.survey.records hooks every save of a base).
    """
    model = version.instance_type
    if not is_revertible(model):
        raise NotRevertible(model._meta.label)
    pk_name = model._meta.pk.attname
    instance = model._default_manager.filter(pk=getattr(version, pk_name)).first()
    created = instance is None
    if created:
        instance = model()
    for field_ in model._meta.concrete_fields:
        setattr(instance, field_.attname, getattr(version, field_.attname))
    m2m_values = {
        field_.name: [getattr(row, field_.m2m_reverse_field_name() + "_id") for row in getattr(version, field_.name).all()]
        for field_ in tracked_m2m_fields(model)
    }
    instance.full_clean(exclude=list(m2m_values))
    with transaction.atomic(), change_context(source=Source.REVERT, reason=reason, user=user):
        if not m2m_values:
            instance.save(force_insert=created)
            return instance
        # Fields and relations change together, so write them without history and
        # then record the result once instead of once per relation change.
        instance.skip_history_when_saving = True
        try:
            instance.save(force_insert=created)
            for name, ids in m2m_values.items():
                getattr(instance, name).set(ids)
        finally:
            del instance.skip_history_when_saving
        manager = getattr(instance, model._tracked_history.manager_name)
        if created or has_changed_since_last_history(instance, manager) or _m2m_changed(instance, manager, m2m_values):
            model._tracked_history.create_historical_record(instance, "+" if created else "~")
    return instance


def _m2m_changed(instance, manager, m2m_values):
    latest = manager.order_by("-history_date", "-history_id").first()
    if latest is None:
        return True
    for name, ids in m2m_values.items():
        field_ = instance._meta.get_field(name)
        recorded = {getattr(row, field_.m2m_reverse_field_name() + "_id") for row in getattr(latest, name).all()}
        if recorded != set(ids):
            return True
    return False
