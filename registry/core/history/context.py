"""The action in progress, so every history row written inside it says who, how and why.

``change_context`` names the action (reason, acting user or command, import
record) and opens a change group; every history row written inside it carries
them, whichever code path saved the record. ``ChangeGroupMiddleware`` opens one
group per request, so an admin edit, a bulk action or an admin import can be
reviewed as one unit. The context lives in a ``ContextVar`` (as NetBox keeps its
change-logging request), so threads and async tasks each see their own.
"""
import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

_current = ContextVar("registry_change_context", default=None)


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
    wrote: bool = False  # set when a history row is written in this group
    lead_step: bool = False  # a prefecture's lead's own step (差し戻し, 確認済み), not an entry on behalf


# Sent when a change group that wrote history rows ends (``group``, acting ``user``); registry/staff/notifications.py
# turns it into notifications once the transaction commits.
change_group_closed = Signal()


def current_context():
    return _current.get()


_loading = ContextVar("registry_loading_recorded_data", default=False)


@contextlib.contextmanager
def loading_recorded_data():
    """Inside, records are being loaded as they were (loaddata, restore): no history entry or access-log
    line is written, since the loaded data carries its own history."""
    token = _loading.set(True)
    try:
        yield
    finally:
        _loading.reset(token)


def is_loading_recorded_data():
    return _loading.get()


@contextlib.contextmanager
def change_context(*, reason="", user=None, actor_name="", source="", import_record=None, lead_step=False):
    """Attribute every history row written inside the block to this action.

    Each block is a change group of its own. Values not given are inherited from
    an enclosing context (the request's), so a bulk action inside a request keeps
    the request's user.
    """
    outer = current_context()
    context = ChangeContext(
        reason=reason or (outer.reason if outer else ""),
        user=user or (outer.user if outer else None),
        actor_name=actor_name or (outer.actor_name if outer else ""),
        source=source or (outer.source if outer else ""),
        import_record=import_record or (outer.import_record if outer else None),
        lead_step=lead_step or (outer.lead_step if outer else False),
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
    if context.wrote:
        change_group_closed.send(sender=ChangeContext, group=context.group, user=context.user)


class ChangeGroupMiddleware:
    """Open one change group per request (NetBox groups change logging the same way)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with change_context(user=user, source=Source.ADMIN):
            return self.get_response(request)


