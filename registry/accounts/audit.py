"""The one way an account event is written: who (the actor), whom (the user), what, when, from which address.

The actor is the change context's user or named actor (``registry.core.history.change_context``), else the signed-in
user of the current request; the address is the current request's (``registry.accounts.client_address``).
"""
from simple_history.models import HistoricalRecords

from registry.accounts.client_address import client_address
from registry.core.history import current_context, is_loading_recorded_data


def current_request():
    return getattr(HistoricalRecords.context, "request", None)


def _actor_name():
    context = current_context()
    if context is not None:
        if context.user is not None:
            return context.user.get_username()
        if context.actor_name:
            return context.actor_name
    request = current_request()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.get_username()
    return ""


def _address():
    request = current_request()
    if request is None:
        return None
    return client_address(request) or None


def record(user, action, *, role="", organization=None, detail="", actor_name=None):
    """Write one account event about ``user`` (a user or a user name). Nothing is written while a backup is
    restored: it brings its own log."""
    from registry.models import RoleChange

    if is_loading_recorded_data():
        return None
    user_name = user if isinstance(user, str) else user.get_username()
    return RoleChange.objects.create(
        user_name=user_name,
        role=role,
        organization_code=organization.code if organization else "",
        organization_name=organization.name if organization else "",
        action=action,
        actor_name=_actor_name() if actor_name is None else actor_name,
        address=_address(),
        detail=detail[:300],
    )
