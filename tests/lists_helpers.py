"""Users and records for the list and survey page tests.

``make_user`` stands in for the roles helper (tests/roles.py make_user(role, *orgs)) until it is merged.
"""
import csv
import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from registry.models import BaseRoundRecord, Membership
from registry.permissions import Role
from registry.resources import ROUND_SNAPSHOT_FIELDS

EDITABLE = ("base", "baseroundrecord")


def make_user(role, *organizations, username=None):
    group, _created = Group.objects.get_or_create(name=Role.GROUP_NAMES[role])
    codenames = [f"view_{model}" for model in (
        "base", "baseroundrecord", "surveyround", "agreement", "agreementrenewal", "contractor", "jointoffice",
        "organization", "partner",
    )]
    if role != Role.SUPERVISOR:
        codenames += [f"{action}_{model}" for model in EDITABLE for action in ("add", "change")]
    group.permissions.set(Permission.objects.filter(content_type__app_label="registry", codename__in=codenames))
    user = get_user_model().objects.create_user(username or f"{role}{get_user_model().objects.count()}",
                                                password="correct-horse-battery")
    user.groups.add(group)
    for organization in organizations:
        Membership.objects.create(user=user, organization=organization)
    return user


def record_for(survey_round, base, **overrides):
    """The round's record of a base as it stands now, with any figures overridden."""
    values = {name: getattr(base, name) for name in ROUND_SNAPSHOT_FIELDS}
    values.update(overrides)
    return BaseRoundRecord.objects.create(survey_round=survey_round, base=base, **values)


def csv_rows(response):
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response):
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet
