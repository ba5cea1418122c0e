"""Change history: who changed what, when, why, and as part of which action.

django-simple-history writes one historical row per save or delete. This module
adds what supervisors need on top of it:

* ``change_context`` names the action in progress (reason, acting user or
  command, import record, a group id) so every row written inside it carries
  them, whichever code path saved the record;
* ``ChangeGroupMiddleware`` opens one group per request, so an admin edit, a
  bulk action or an admin import can be reviewed as one unit;
* ``TrackedHistory`` skips saves that changed nothing.
"""
import contextlib
import threading
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

_local = threading.local()


class Source(models.TextChoices):
    ADMIN = "admin", _("Admin edit")
    IMPORT = "import", _("Import")
    BULK = "bulk", _("Bulk action")
    COMMAND = "command", _("Management command")
    REVERT = "revert", _("Revert")
    REVIEW = "review", _("Survey review")


@dataclass
class ChangeContext:
    group: uuid.UUID = field(default_factory=uuid.uuid4)
    reason: str = ""
    user: object = None
    actor_name: str = ""
    source: str = ""
    import_record: object = None


def current_context():
    return getattr(_local, "context", None)


@contextlib.contextmanager
def change_context(*, reason="", user=None, actor_name="", source="", import_record=None, new_group=True):
    """Attribute every history row written inside the block to this action.

    Values not given are inherited from an enclosing context (the request's),
    so a bulk action inside a request keeps the request's user.
    """
    outer = current_context()
    context = ChangeContext(
        group=uuid.uuid4() if new_group or outer is None else outer.group,
        reason=reason or (outer.reason if outer else ""),
        user=user or (outer.user if outer else None),
        actor_name=actor_name or (outer.actor_name if outer else ""),
        source=source or (outer.source if outer else ""),
        import_record=import_record or (outer.import_record if outer else None),
    )
    _local.context = context
    try:
        yield context
    finally:
        _local.context = outer


class ChangeGroupMiddleware:
    """Open one change group per request (NetBox groups change logging the same way)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with change_context(user=user, source=Source.ADMIN):
            return self.get_response(request)


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

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bases", [HistoryExtras])
        kwargs.setdefault("cascade_delete_history", False)
        super().__init__(*args, **kwargs)

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        # The change log pages through every table newest first and filters by action;
        # a record's history (and each entry's previous version) is read newest first per record.
        options["indexes"] = [
            models.Index(fields=["history_date", "history_id"]),
            models.Index(fields=["history_type", "history_date"]),
            models.Index(fields=[model._meta.pk.attname, "history_date", "history_id"]),
        ]
        return options

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            sender._tracked_history = self

    def post_save(self, instance, created, using=None, **kwargs):
        if not created and not kwargs.get("raw"):
            manager = getattr(instance, self.manager_name)
            if not has_changed_since_last_history(instance, manager):
                return
        super().post_save(instance, created, using=using, **kwargs)


def context_or_system():
    return current_context() or ChangeContext(group=None, source=Source.COMMAND, actor_name="system")


def history_extras(context, user):
    """The who/why/which-action columns of a history row written by ``user`` inside ``context``."""
    extras = {
        "actor_name": (user.get_username() if user else "") or context.actor_name,
        "change_group": context.group,
        "change_source": context.source or Source.COMMAND,
    }
    if context.import_record is not None:
        extras["import_record"] = context.import_record
    return extras


@receiver(pre_create_historical_record)
def fill_history_extras(sender, instance, history_instance, history_user=None, **kwargs):
    context = context_or_system()
    if history_instance.history_user_id is None and context.user is not None:
        history_instance.history_user = context.user
    for name, value in history_extras(context, history_instance.history_user).items():
        setattr(history_instance, name, value)
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = context.reason


def bulk_history_options():
    """Keyword arguments for simple-history's bulk API: the same columns a one-by-one save gets."""
    context = context_or_system()
    return {
        "default_user": context.user,
        "default_change_reason": context.reason,
        "custom_historical_attrs": history_extras(context, context.user),
    }


def tracked_models():
    """Every registry model whose changes are recorded, in a stable order."""
    models_ = [m for m in apps.get_app_config("registry").get_models() if hasattr(m, "_tracked_history")]
    return sorted(models_, key=lambda m: m._meta.model_name)


def tracked_m2m_fields(model):
    return sorted(model._tracked_history.get_m2m_fields_from_model(model), key=lambda f: f.name)


def restore_version(version, reason, user=None):
    """Make the record what it was in ``version`` (recreating it if deleted), as one revert entry.

    Every concrete field and every tracked many-to-many field takes the version's
    value. The record is validated first; the caller gets the ValidationError.
    Returns the restored instance (no entry is written if nothing differs).
    """
    model = version.instance_type
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
