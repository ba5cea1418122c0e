"""Every signal the accounts part listens to, connected by ``connect()`` from RegistryConfig.ready(): the role
groups are kept in sync after each migration, and every role or membership given or taken, by any path (the
admin, a command, the shell), is logged (registry/accounts/roles.py); the first sign-in of a day enqueues the accounts' daily task."""
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from registry.accounts.roles import (
    log_group_membership,
    log_membership_added,
    log_membership_removed,
    resync_roles_after_migrate,
)
from registry.accounts.tasks import enqueue_on_first_sign_in
from registry.models import Membership


def connect():
    post_migrate.connect(resync_roles_after_migrate, dispatch_uid="roles_resync")
    m2m_changed.connect(log_group_membership, sender=get_user_model().groups.through, dispatch_uid="roles_groups")
    post_save.connect(log_membership_added, sender=Membership, dispatch_uid="roles_membership_added")
    post_delete.connect(log_membership_removed, sender=Membership, dispatch_uid="roles_membership_removed")
    # The first sign-in of a day enqueues the accounts' daily task (handovers ended, idle accounts stopped).
    user_logged_in.connect(enqueue_on_first_sign_in, dispatch_uid="accounts_daily_on_sign_in")
