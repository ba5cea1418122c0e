"""Every signal the staff part listens to, connected by ``connect()`` from RegistryConfig.ready(): a change
group by someone else notifies its watchers after the commit (registry/staff/notifications.py)."""
from registry.core.history.context import change_group_closed
from registry.staff.notifications import notify_after_commit


def connect():
    change_group_closed.connect(notify_after_commit, dispatch_uid="notify_watchers")
