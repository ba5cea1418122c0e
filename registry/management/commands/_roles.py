"""What grant_role and revoke_role share: argument parsing and lookups with clear errors."""
import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from registry.models import Organization
from registry.models.organizations import validate_lg_code
from registry.core.permissions import Role


def add_role_arguments(parser):
    parser.add_argument("username")
    parser.add_argument("role", choices=Role.ALL)
    parser.add_argument(
        "--organization",
        dest="organizations",
        metavar="CODE",
        action="extend",
        nargs="+",
        default=[],
        help="6-digit organization code (全国地方公共団体コード); repeat or list several. Clerks and leads (a lead: its prefecture, e.g. 270008).",
    )


def organizations_by_code(codes):
    organizations = []
    for code in dict.fromkeys(codes):
        try:
            validate_lg_code(code)
        except ValidationError as error:
            message = " ".join(error.messages)
            raise CommandError(f"Organization code {code!r}: {message} (e.g. 270008 for 大阪府)") from error
        organization = Organization.objects.filter(code=code).first()
        if organization is None:
            raise CommandError(f"No organization has the code {code}.")
        organizations.append(organization)
    return organizations


def actor_name(command_name):
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return f"{command_name} ({who})"


def report_role_changes(command, username, changes, nothing_changed):
    """One line per membership change, or say that nothing changed."""
    if not changes:
        command.stdout.write(nothing_changed)
    for change in changes:
        command.stdout.write(command.style.SUCCESS(f"{username}: {change}"))
