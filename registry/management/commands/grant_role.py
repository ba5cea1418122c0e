import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.accounts.roles import RoleError, grant_role

from ._roles import actor_name, add_role_arguments, organizations_by_code, report_role_changes


class Command(BaseCommand):
    help = (
        "Give a user a role (clerk, coordinator, supervisor, lead); clerks act for the organizations given, "
        "a lead for the prefecture given and its municipalities. "
        "The change is logged."
    )

    def add_arguments(self, parser):
        add_role_arguments(parser)
        parser.add_argument("--create", action="store_true", help="Create the user if it does not exist.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="With --create: take the new user's password from this environment variable.",
        )

    def handle(self, *args, username, role, organizations, create, password_from_env, **options):
        if password_from_env and not create:
            raise CommandError("--password-from-env is only used with --create.")
        organizations = organizations_by_code(organizations)
        try:
            with transaction.atomic():
                user = self.get_or_create_user(username, create, password_from_env)
                changes = grant_role(user, role, organizations, actor_name=actor_name("grant_role"))
        except RoleError as error:
            raise CommandError(str(error)) from error
        report_role_changes(self, username, changes, f"{username} already has the role {role}; nothing changed.")

    def get_or_create_user(self, username, create, password_from_env):
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is not None:
            if create:
                self.stdout.write(f"User {username} exists; their password is left unchanged.")
            return user
        if not create:
            raise CommandError(f"No user named {username!r}; add --create to create one.")
        user = user_model(**{user_model.USERNAME_FIELD: username})
        password = self.password_from(password_from_env, user)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"User {username} created."))
        return user

    def password_from(self, variable, user):
        if not variable:
            return None
        password = os.environ.get(variable)
        if not password:
            raise CommandError(f"The environment variable {variable} is not set or empty.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("The password is not accepted: " + " ".join(error.messages)) from error
        return password
