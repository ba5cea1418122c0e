"""Every signal the staff part listens to, connected by ``connect()`` from RegistryConfig.ready(): a change
group by someone else notifies its watchers after the commit, and the round's notices reach its clerks (registry/staff/notifications.py)."""
from registry.core.history.context import change_group_closed
from registry.staff.notifications import notify_after_commit, tell_clerks
from registry.survey.lifecycle import clerks_told


def connect():
    change_group_closed.connect(notify_after_commit, dispatch_uid="notify_watchers")
    # The round's notices to an organization's clerks (回答完了 reopened, a base reverted) become notifications.
    clerks_told.connect(tell_clerks, dispatch_uid="notify_clerks_of_the_round")
