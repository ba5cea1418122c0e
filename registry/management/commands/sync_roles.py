from django.core.management.base import BaseCommand, CommandError

from registry.accounts.roles import RoleError, sync_role_groups


class Command(BaseCommand):
    help = "Give the role groups (担当者, 調査担当, 管理者) exactly the permissions defined in registry/accounts/roles.py."

    def handle(self, *args, **options):
        try:
            synced = sync_role_groups()
        except RoleError as error:
            raise CommandError(str(error)) from error
        for group, permissions in synced.items():
            self.stdout.write(f"{group}: {len(permissions)} permissions")
            if options["verbosity"] > 1:
                for permission in permissions:
                    self.stdout.write(f"  {permission}")
