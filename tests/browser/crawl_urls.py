"""The pages of the accessibility crawl: every GET case of tests/core/test_permission_matrix.py, over the demo data.

Run inside the crawl server's database (``manage.py shell -c``, see ``crawl_pages``): the matrix's World is
filled with the demo's own records (大阪府's first base, its round figures, its tie…), a few records the demo
lacks are added (an import job, an API token, axes' login records), and each matrix URL is computed for the
2017 (published) and the 2018 (open) round. Each page is kept for the roles the matrix lets read it (``200``).
The demo users stand for the matrix's roles; 札幌市's clerk is left out (the clerk's pages are 大阪府's).
"""
import json
import os
from pathlib import Path

ROLE_USERS = {"anon": None, "osaka": "osaka_clerk", "coord": "coordinator", "super": "supervisor", "root": "admin"}

# Matrix keys that answer something other than an HTML page (files, JSON, feeds, redirects).
NOT_PAGES = (
    "_export", "api:", "opendata:catalog", "opendata:datapackage", "opendata:table", "opendata:list_pdf",
    "opendata:report_pdf", "portal:trend_csv", "portal:calendar", "registry:calendar_feed", "admin:jsi18n",
    "admin:autocomplete", "_progress", "registry:survey_pending_sheet", "registry:survey_published_sheet",
    # An opened action's entries: an HTML fragment the change log inserts into its own page (checked there).
    "registry:history_action",
)
HTML_API_PAGES = ("api:docs",)


def is_page(key, url):
    if key in HTML_API_PAGES:
        return True
    return not any(part in key for part in NOT_PAGES) and "export=" not in url


def first(queryset, **create):
    found = queryset.first()
    return found if found is not None else queryset.model.objects.create(**create)


def demo_objects(survey_round):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token, TokenProxy

    from registry.models import (
        Agreement, AgreementRenewal, Base, BaseRoundRecord, Contractor, ImportJob, ImportRecord, JointOffice,
        Membership, Organization, OrganizationAlias, Place, RoleChange,
    )
    from registry.core.permissions import Role
    from registry.models import Invitation
    from tests.core.test_permission_matrix import make_invitation

    users = get_user_model().objects
    clerk, coordinator, root = (users.get(username=name) for name in ("osaka_clerk", "coordinator", "admin"))
    osaka = Organization.objects.get(code="270008")
    base = Base.objects.filter(organization=osaka).order_by("number").first()
    agreement = Agreement.objects.filter(organization=osaka).order_by("pk").first()
    records = BaseRoundRecord.objects.filter(survey_round=survey_round, base__organization=osaka).order_by("pk")
    attempt = {"user_agent": "crawl", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*",
               "path_info": "/admin/login/"}
    return {
        "organization": osaka,
        "organizationalias": first(OrganizationAlias.objects.filter(organization=osaka), name="大坂府",
                                   organization=osaka),
        "base": base,
        "baseroundrecord": records.filter(base=base).first() or records.first(),
        "closingrecord": records.first(),
        "surveyround": survey_round,
        "contractor": first(Contractor.objects.order_by("pk"), name="株式会社テスト"),
        "jointoffice": first(JointOffice.objects.order_by("pk"), name="共同事務所", country="CN"),
        "partner": agreement.partner,
        "agreement": agreement,
        "agreementrenewal": first(AgreementRenewal.objects.filter(agreement=agreement), agreement=agreement),
        "membership": Membership.objects.get(user=clerk, organization=osaka),
        "rolechange": RoleChange.objects.filter(user_name="osaka_clerk").first(),
        "importrecord": first(ImportRecord.objects.order_by("pk"), file_name="survey.tsv", sha256="0" * 64),
        "importjob": first(ImportJob.objects.filter(kind="survey", user=coordinator), kind="survey", step="plan",
                           user=coordinator, file_name="long.tsv", upload_name="long.tsv"),
        "contractorjob": first(ImportJob.objects.filter(kind="contractors", user=root), kind="contractors",
                               step="plan", user=root, file_name="contractors.csv", upload_name="contractors.csv"),
        "user": clerk,
        "group": Group.objects.get(name=Role.GROUP_NAMES[Role.CLERK]),
        "accessattempt": first(AccessAttempt.objects.order_by("pk"), get_data="", post_data="",
                               failures_since_start=1, **attempt),
        "accesslog": first(AccessLog.objects.order_by("pk"), **attempt),
        "accessfailurelog": first(AccessFailureLog.objects.order_by("pk"), **attempt),
        # A place 大阪府's clerk may change (no other organization's records name it), as in the matrix's world.
        "place": Place.objects.for_organizations([osaka.pk], "change").order_by("pk").first()
        or Place.objects.create(country="CN", name="華東地区"),
        "place_named_by_osaka": Place.objects.exclude(geonames_id=None).order_by("pk").first(),
        "tokenproxy": TokenProxy.objects.get(key=Token.objects.get_or_create(user=clerk)[0].key),
        "invitation": Invitation.objects.filter(organizations=osaka).first() or make_invitation(osaka),
    }


def matrix_pages(world):
    """{key, url, roles, status} of every GET case that is an HTML page, computed in a transaction rolled back.

    A page is kept for the roles the matrix lets read it (200); a URL no role may read (a refusal, a 404, a
    405) is kept once, as the first role that gets that answer, for the error page it shows.
    """
    from django.db import transaction

    from tests.core.test_permission_matrix import MATRIX

    pages = []
    for key, cases in MATRIX.items():
        kept = []
        for case in (case for case in cases if case.method == "get"):
            with transaction.atomic():
                url = case.url(world)
                transaction.set_rollback(True)
            statuses = {role: token for role, token in case.statuses().items() if role in ROLE_USERS}
            roles = [role for role, token in statuses.items() if token == "200"]
            if roles and is_page(key, url):
                kept.append({"key": key, "url": url, "roles": roles, "status": 200})
        if not kept and is_page(key, url):
            role, token = next(((r, t) for r, t in statuses.items() if t.isdigit()), (None, None))
            if role is not None and token != "405":  # a 405 has no page (Chromium refuses to show it)
                kept.append({"key": key, "url": url, "roles": [role], "status": int(token)})
        pages += kept
    return pages


def main():
    from django.contrib.auth import get_user_model

    from registry.models import SurveyRound
    from tests.core.test_permission_matrix import MATRIX, World

    users = {role: (get_user_model().objects.get(username=name) if name else None)
             for role, name in ROLE_USERS.items()}
    seen, pages = set(), []
    for survey_round in SurveyRound.objects.order_by("reference_date"):
        world = World(users=users, objects=demo_objects(survey_round))
        for page in matrix_pages(world):
            if page["url"] not in seen:
                seen.add(page["url"])
                pages.append(page)
    crawled = {page["key"] for page in pages}
    files = sorted(key for key in MATRIX if not is_page(key, ""))
    # Only redirects (to the login page or elsewhere), or refusals of a GET (405: the URL takes POSTs only).
    redirects = sorted(key for key, cases in MATRIX.items() if all(
        token in ("L", "R", "405") for case in cases if case.method == "get" for token in case.expect.split()))
    out = {"patterns": len(MATRIX), "keys": sorted(MATRIX), "files": files, "redirects": redirects,
           "users": ROLE_USERS, "pages": pages}
    Path(os.environ["CRAWL_URLS_OUT"]).write_text(json.dumps(out, ensure_ascii=False, indent=1))

