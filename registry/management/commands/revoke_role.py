from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.accounts.roles import RoleError, revoke_role

from ._roles import actor_name, add_role_arguments, organizations_by_code, report_role_changes


class Command(BaseCommand):
    help = (
        "Take a role from a user, or with --organization only those organizations from a clerk. "
        "A user left without any role loses admin access. The change is logged."
    )

    def add_arguments(self, parser):
        add_role_arguments(parser)

    def handle(self, *args, username, role, organizations, **options):
        organizations = organizations_by_code(organizations)
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            changes = revoke_role(user, role, organizations, actor_name=actor_name("revoke_role"))
        except RoleError as error:
            raise CommandError(str(error)) from error
        report_role_changes(
            self, username, changes, f"{username} did not have that role or organization; nothing changed."
        )
