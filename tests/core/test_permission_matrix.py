"""Every URL of the project × every role → the status each must get (in the style of pretix's permission tests).

The records are 大阪府's. Roles, in the order of every expectation string:

    anon     not logged in
    osaka    clerk of 大阪府 (the records' own organization)
    sapporo  clerk of 札幌市 (another organization)
    coord    survey coordinator
    super    supervisor
    root     superuser

Tokens: a status code (200, 403, 404, 405…), ``L`` = 302 to the login page, ``R`` = 302 elsewhere.

Adding a URL to the project without adding it to MATRIX fails
``test_every_url_is_in_the_matrix``. To add one: pick its key (the URL name
with namespace, e.g. ``registry:base_list``; for an unnamed pattern its full
route, as the failure message prints it), and add
``"key": [Case("L 200 404 200 200 200", url=lambda w: reverse("registry:..."))]``
— ``w`` is the World below, holding one 大阪府 record of each kind.
"""
import datetime
import itertools
from dataclasses import dataclass, field
from typing import Callable

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token, TokenProxy

from registry.models import (
    Agreement,
    AgreementRenewal,
    AgreementType,
    BaseRoundRecord,
    ImportJob,
    ImportRecord,
    JointOffice,
    Membership,
    Organization,
    OrganizationAlias,
    Partner,
    Place,
    ReviewState,
    RoleChange,
    SurveyRound,
)
from registry.core.permissions import Role
from tests.support.factories import make_base, make_contractor
from tests.support.roles import make_user

ROLES = ("anon", "osaka", "sapporo", "coord", "super", "root")


@dataclass
class Case:
    expect: str
    url: Callable = None
    method: str = "get"
    note: str = ""
    data: object = None  # a dict, or a function of the world giving one

    def statuses(self):
        tokens = self.expect.split()
        assert len(tokens) == len(ROLES), f"{self.expect!r} needs one token per role {ROLES}"
        return dict(zip(ROLES, tokens))


# --- the world: one 大阪府 record of every kind ------------------------------------------------

@dataclass
class World:
    users: dict
    objects: dict = field(default_factory=dict)

    def pk(self, key):
        return self.objects[key].pk

    def version(self, key):
        obj = self.objects[key]
        return obj.history.order_by("-history_id").first().history_id


def make_invitation(organization):
    from django.utils import timezone

    from registry.accounts.invitations import expiry
    from registry.models import Invitation

    invitation = Invitation.objects.create(name="招待 花子", email="invited@example.jp", role=Role.CLERK,
                                           expires_at=expiry(timezone.now()))
    invitation.organizations.set([organization])
    return invitation


def invitation_link(world):
    from registry.accounts.invitations import token

    return reverse("registry:invitation_accept", args=[token(world.objects["invitation"])])


def build_world(code="270008", base_name=None):
    """The world of 大阪府's records; ``code``: another organization's (tests/core/test_lead_matrix.py builds it for
    堺市 and 札幌市, the "osaka" clerk then being that organization's), ``base_name`` the base's name."""
    osaka = Organization.objects.get(code=code)
    users = {
        "anon": None,
        "osaka": make_user(Role.CLERK, osaka, username="matrix_osaka"),
        "sapporo": make_user(Role.CLERK, "011002", username="matrix_sapporo"),
        "coord": make_user(Role.COORDINATOR, username="matrix_coordinator"),
        "super": make_user(Role.SUPERVISOR, username="matrix_supervisor"),
        "root": make_user("superuser", username="matrix_root"),
        # 大阪府's lead (取りまとめ担当): its column is tests/core/test_lead_matrix.py's, derived from the clerks'.
        "lead": make_user(Role.LEAD, "270008", username="matrix_lead"),
    }
    base = make_base(osaka, number=1, **({"name": base_name} if base_name else {}))
    survey_round = SurveyRound.objects.create(reference_date=datetime.date(2017, 9, 1))
    partner = Partner.objects.create(name_ja="上海市", country="CN")
    agreement = Agreement.objects.create(organization=osaka, partner=partner, agreement_type=AgreementType.FRIENDSHIP)
    attempt_fields = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*",
                      "path_info": "/admin/login/"}
    objects = {
        "organization": osaka,
        "organizationalias": OrganizationAlias.objects.create(name="大坂府", organization=osaka),
        "base": base,
        "baseroundrecord": BaseRoundRecord.objects.create(survey_round=survey_round, base=base, form="a"),
        "surveyround": survey_round,
        "contractor": make_contractor(),
        "jointoffice": JointOffice.objects.create(name="共同事務所", country="CN"),
        "partner": partner,
        "agreement": agreement,
        "agreementrenewal": AgreementRenewal.objects.create(agreement=agreement),
        "membership": Membership.objects.get(user=users["osaka"], organization=osaka),
        "rolechange": RoleChange.objects.filter(user_name="matrix_osaka").first(),
        "importrecord": ImportRecord.objects.create(file_name="survey.tsv", sha256="0" * 64),
        # A long survey file's preview the coordinator started (queued): only they follow it.
        "importjob": ImportJob.objects.create(kind="survey", step="plan", user=users["coord"], file_name="long.tsv",
                                              upload_name="long.tsv"),
        # A long contractor list's preview the superuser started: only they follow it (only superusers import it).
        "contractorjob": ImportJob.objects.create(kind="contractors", step="plan", user=users["root"],
                                                  file_name="contractors.csv", upload_name="contractors.csv"),
        "user": users["osaka"],
        "group": Group.objects.get(name=Role.GROUP_NAMES[Role.CLERK]),
        "accessattempt": AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1,
                                                      **attempt_fields),
        "accesslog": AccessLog.objects.create(**attempt_fields),
        "accessfailurelog": AccessFailureLog.objects.create(**attempt_fields),
        # Figures a round proposes to close: not public, only for those who see 大阪府's records.
        "closingrecord": BaseRoundRecord.objects.create(
            survey_round=SurveyRound.objects.create(reference_date=datetime.date(2018, 9, 1)), base=base, form="a",
            review_state=ReviewState.CLOSING),
        # API tokens: the admin addresses them by their user (TokenProxy.pk).
        "place": Place.objects.create(country="CN", name="華東地区"),
        # Located by GeoNames and named by the 大阪府 base (上海): another organization's clerk may not move it.
        "place_named_by_osaka": Place.objects.create(country="CN", name="上海", geonames_id=1796236,
                                                     geonames_name="Shanghai", latitude=31.22, longitude=121.46,
                                                     source=Place.Source.GEONAMES),
        "tokenproxy": TokenProxy.objects.get(key=Token.objects.create(user=users["osaka"]).key),
        # An open invitation to 大阪府 (issue 23): its link works for whoever holds it.
        "invitation": make_invitation(osaka),
    }
    return World(users=users, objects=objects)


# --- the matrix ---------------------------------------------------------------------------------

def admin_model(app_label, model, *, changelist, add, change, delete, history, version=None):
    """The URLs the admin makes for one model; ``version`` is simple-history's per-version page."""
    def by_pk(view):
        return lambda w: reverse(f"admin:{app_label}_{model}_{view}", args=[w.pk(model)])

    entries = {
        f"admin:{app_label}_{model}_changelist": [Case(changelist, lambda w: reverse(f"admin:{app_label}_{model}_changelist"))],
        f"admin:{app_label}_{model}_add": [Case(add, lambda w: reverse(f"admin:{app_label}_{model}_add"))],
        f"admin:{app_label}_{model}_change": [Case(change, by_pk("change"))],
        f"admin:{app_label}_{model}_delete": [Case(delete, by_pk("delete"))],
        f"admin:{app_label}_{model}_history": [Case(history, by_pk("history"))],
        # The bare object URL redirects to the change page, which then answers as above.
        f"admin/{app_label}/{model}/<path:object_id>/": [
            Case("L R R R R R", lambda w: f"/admin/{app_label}/{model}/{w.pk(model)}/")
        ],
    }
    if version is not None:
        entries[f"admin:{app_label}_{model}_simple_history"] = [
            Case(version, lambda w: reverse(f"admin:{app_label}_{model}_simple_history",
                                            args=[w.pk(model), w.version(model)]))
        ]
    return entries


#           anon osaka sapporo coord super root
OWN_RECORDS_CLERK_EDITS = dict(  # bases and round figures: clerks and coordinators edit
    changelist="L 200 200 200 200 200",
    add="L 200 200 200 403 200",
    change="L 200 404 200 200 200",
    delete="L 403 403 403 403 200",
    history="L 200 404 200 200 200",
    version="L 200 404 200 200 200",  # the revert page: editors and supervisors
)
OWN_RECORDS_READ_ONLY = dict(  # organizations and their aliases: reference data, each clerk sees their own
    changelist="L 200 200 200 200 200",
    add="L 403 403 403 403 200",
    change="L 200 404 200 200 200",
    delete="L 403 403 403 403 200",
    history="L 200 404 200 200 200",
    version="L 403 404 403 200 200",
)
SUPERVISOR_READS = dict(  # access data: supervisors read, only superusers change
    changelist="L 403 403 403 200 200",
    add="L 403 403 403 403 200",
    change="L 403 403 403 200 200",
    delete="L 403 403 403 403 200",
    history="L 403 403 403 200 200",
)
SUPERUSER_ONLY_LOG = dict(  # axes' login records: written by axes, read by superusers
    changelist="L 403 403 403 403 200",
    add="L 403 403 403 403 403",
    change="L 403 403 403 403 200",
    delete="L 403 403 403 403 200",
    history="L 403 403 403 403 200",
)


def shared_records(add, version):
    """Records every organization shares (contractors, partners…): everyone with a role reads them.

    ``version`` is the revert page of one version: for those who may change the record, and supervisors.
    """
    return dict(
        changelist="L 200 200 200 200 200",
        add=add,
        change="L 200 200 200 200 200",
        delete="L 403 403 403 403 200",
        history="L 200 200 200 200 200",
        version=version,
    )


def survey_url(name, world, *args):
    return reverse(f"registry:{name}", args=[world.objects["surveyround"].reference_date, *args])


def with_round(status, url):
    """``url``, with the world's round put in that state first (rolled back after the test)."""
    def build(world):
        survey_round = world.objects["surveyround"]
        survey_round.status = status
        survey_round.save()
        return url(world)
    return build


def round_in(status, name, *args):
    """The URL of a round page, with the world's round in that state."""
    return with_round(status, lambda world: survey_url(name, world, *args))


def autocomplete(model_name, field_name, term):
    return lambda w: (f"{reverse('admin:autocomplete')}?app_label=registry&model_name={model_name}"
                      f"&field_name={field_name}&term={term}")


def api(name, *args):
    return lambda w: reverse(f"api:{name}", args=[arg(w) if callable(arg) else arg for arg in args])


def api_route(name, *args, public="200 200 200 200 200 200"):
    """A read-only API route: GET as listed, every other method refused (405) for every caller."""
    return [Case(public, api(name, *args)), Case("405 405 405 405 405 405", api(name, *args), method="post"),
            Case("405 405 405 405 405 405", api(name, *args), method="delete")]


def round_route(name, *args, unpublished):
    """An API route about the world's round: public once it is published (公表), before that as ``unpublished``."""
    return [Case("200 200 200 200 200 200", with_round("published", api(name, *args))),
            Case(unpublished, with_round("open", api(name, *args))),
            Case(unpublished, with_round("closed", api(name, *args))),
            Case("405 405 405 405 405 405", api(name, *args), method="post")]


# The API: published data for everyone; an unpublished round's figures, and a round's proposed closing,
# only for those who see 大阪府's records.
API_MATRIX = {
    "api:base-list": api_route("base-list"),
    "api:base-detail": [
        *round_route("base-detail", lambda w: w.pk("baseroundrecord"), unpublished="404 200 404 200 200 200"),
        Case("404 200 404 200 200 200", api("base-detail", lambda w: w.pk("closingrecord"))),
    ],
    "api:agreement-list": api_route("agreement-list"),
    "api:agreement-detail": api_route("agreement-detail", lambda w: w.pk("agreement")),
    "api:partner-list": api_route("partner-list"),
    "api:partner-detail": api_route("partner-detail", lambda w: w.pk("partner")),
    "api:organization-list": api_route("organization-list"),
    "api:organization-detail": api_route("organization-detail", "270008"),
    "api:round-list": api_route("round-list"),
    "api:round-detail": round_route("round-detail", lambda w: w.objects["surveyround"].reference_date,
                                    unpublished="404 200 200 200 200 200"),
    "api:round-summary": round_route("round-summary", lambda w: w.objects["surveyround"].reference_date,
                                     unpublished="404 200 200 200 200 200"),
    "api:schema": [Case("200 200 200 200 200 200", api("schema"))],
    "api:docs": [Case("200 200 200 200 200 200", api("docs"))],
}

OPEN_DATA_MATRIX = {
    "opendata:index": [Case("200 200 200 200 200 200", lambda w: reverse("opendata:index"))],
    "opendata:catalog": [Case("200 200 200 200 200 200", lambda w: reverse("opendata:catalog"))],
    "opendata:datapackage": [
        Case("200 200 200 200 200 200", with_round("published", lambda w: reverse(
            "opendata:datapackage", args=[w.objects["surveyround"].reference_date]))),
        Case("404 404 404 404 404 404", with_round("closed", lambda w: reverse(
            "opendata:datapackage", args=[w.objects["surveyround"].reference_date]))),
        Case("405 405 405 405 405 405",
             lambda w: reverse("opendata:datapackage", args=[w.objects["surveyround"].reference_date]),
             method="post"),
    ],
    "opendata:table": [
        Case("200 200 200 200 200 200", with_round("published", lambda w: reverse(
            "opendata:table", args=[w.objects["surveyround"].reference_date, "bases"]))),
        Case("404 404 404 404 404 404", with_round("open", lambda w: reverse(
            "opendata:table", args=[w.objects["surveyround"].reference_date, "bases"]))),
        Case("404 404 404 404 404 404",
             lambda w: reverse("opendata:table", args=[w.objects["surveyround"].reference_date, "users"])),
    ],
    **{name: [  # the published round's PDFs: public; none for a round not published; read-only
        Case("200 200 200 200 200 200", with_round("published", lambda w, name=name: reverse(
            name, args=[w.objects["surveyround"].reference_date]))),
        Case("404 404 404 404 404 404", with_round("closed", lambda w, name=name: reverse(
            name, args=[w.objects["surveyround"].reference_date]))),
        Case("405 405 405 405 405 405", with_round("published", lambda w, name=name: reverse(
            name, args=[w.objects["surveyround"].reference_date])), method="post"),
    ] for name in ("opendata:list_pdf", "opendata:report_pdf")},
}

def feed_token(world, role):
    from registry.models import NotificationSettings

    return NotificationSettings.of(world.users[role]).feed_token


def everyone(expect, url, method="get", data=None):
    return Case(" ".join([expect] * len(ROLES)), url, method=method, data=data)


_reset_requests = itertools.count()


def reset_request(world):
    """Password reset for 大阪府's clerk and for an unknown address, in turns (a new address each time: the limit
    per address is tests/accounts/test_password_reset.py's)."""
    number = next(_reset_requests)
    return {"email": f"matrix_osaka@example.jp" if number % 2 else f"nobody{number}@example.jp"}


# The public portal: the same pages for everyone, signed in or not; unknown countries and organizations are 404.
PORTAL_MATRIX = {
    "portal:home": [everyone("200", lambda w: reverse("portal:home")),
                    everyone("200", with_round("published", lambda w: reverse("portal:home"))),
                    everyone("405", lambda w: reverse("portal:home"), method="post")],
    "portal:bases": [everyone("200", with_round("published",
                                                lambda w: reverse("portal:bases") + "?countries=CN&form=a&q=上海"))],
    "portal:country": [everyone("200", lambda w: reverse("portal:country", args=["CN"])),
                       everyone("404", lambda w: reverse("portal:country", args=["XX"]))],
    "portal:organization": [everyone("200", lambda w: reverse("portal:organization", args=["270008"])),
                            everyone("404", lambda w: reverse("portal:organization", args=["999999"]))],
    "portal:calendar": [everyone("200", with_round("published", lambda w: reverse("portal:calendar"))),
                        everyone("405", lambda w: reverse("portal:calendar"), method="post")],
    "portal:trends": [everyone("200", lambda w: reverse("portal:trends"))],
    "portal:accessibility": [everyone("200", lambda w: reverse("portal:accessibility")),
                             everyone("405", lambda w: reverse("portal:accessibility"), method="post")],
    "portal:trend_csv": [everyone("200", lambda w: reverse("portal:trend_csv", args=["ties-by-decade"])),
                         everyone("404", lambda w: reverse("portal:trend_csv", args=["secrets"]))],
}

MATRIX = {
    # The home page: everyone signed in lands here (tests/staff/test_home.py shows what each role sees).
    "registry:home": [Case("L 200 200 200 200 200", lambda w: reverse("registry:home"))],
    # 今後の予定 (issue 29): everyone signed in, each seeing the events of their own scope (tests/staff/test_coming_up.py).
    "registry:coming_up": [Case("L 200 200 200 200 200", lambda w: reverse("registry:coming_up")),
                           Case("L 200 200 200 200 200", lambda w: reverse("registry:coming_up") + "?kind=ending")],
    # Notification settings: every signed-in user has their own (tests/staff/test_calendar_feed.py, tests/staff/test_watches.py).
    "registry:notification_settings": [
        Case("L 200 200 200 200 200", lambda w: reverse("registry:notification_settings")),
        Case("L R R R R R", lambda w: reverse("registry:notification_settings"), method="post",
             data={"email_mode": "immediate"}),
        Case("L R R R R R", lambda w: reverse("registry:notification_settings"), method="post",
             data={"action": "renew_feed"}),
    ],
    # 通知: each user's own list; POST marks it read.
    "registry:notifications": [
        Case("L 200 200 200 200 200", lambda w: reverse("registry:notifications")),
        Case("L R R R R R", lambda w: reverse("registry:notifications"), method="post"),
    ],
    # Watching a record takes seeing it: 大阪府's base is 404 for 札幌市's clerk; a GET is refused.
    "registry:watch": [
        Case("L 405 405 405 405 405", lambda w: reverse("registry:watch")),
        Case("L R 404 R R R", lambda w: reverse("registry:watch"), method="post",
             data=lambda w: {"target": "base", "id": w.pk("base"), "action": "watch"}),
        Case("L 400 400 400 400 400", lambda w: reverse("registry:watch"), method="post",
             data={"target": "user", "id": "1"}),
    ],
    # A private calendar feed: its key is the credential, whoever asks; an unknown (revoked) key is 404.
    "registry:calendar_feed": [
        everyone("200", lambda w: reverse("registry:calendar_feed", args=[feed_token(w, "osaka")])),
        everyone("404", lambda w: reverse("registry:calendar_feed", args=["revoked-key"])),
    ],
    # Accounts (issue 23; tests/accounts/test_accounts_pages.py): coordinators and superusers manage, supervisors read,
    # a clerk reads their own organization's colleagues and hands over their own seat.
    "registry:accounts": [Case("L 200 200 200 200 200", lambda w: reverse("registry:accounts")),
                          Case("L 200 200 200 200 200", lambda w: reverse("registry:accounts") + "?q=大阪")],
    "registry:organization_accounts": [
        Case("L 200 404 200 200 200", lambda w: reverse("registry:organization_accounts", args=["270008"])),
        Case("L 404 404 404 404 404", lambda w: reverse("registry:organization_accounts", args=["999999"])),
    ],
    "registry:invite": [
        Case("L 403 403 200 403 200", lambda w: reverse("registry:invite")),
        Case("L 403 403 200 403 200", lambda w: reverse("registry:invite"), method="post", data={}, note="invalid"),
    ],
    "registry:bulk_invite": [
        Case("L 403 403 200 403 200", lambda w: reverse("registry:bulk_invite")),
        Case("L 403 403 200 403 200", lambda w: reverse("registry:bulk_invite"), method="post", data={},
             note="no file"),
        Case("L 403 403 R 403 R", lambda w: reverse("registry:bulk_invite"), method="post",
             data={"action": "apply", "upload": "not-an-upload"}, note="no such upload"),
    ],
    "registry:invitation_action": [
        Case("L 405 405 405 405 405", lambda w: reverse("registry:invitation_action", args=[w.pk("invitation"), "resend"])),
        Case("L 403 403 R 403 R", lambda w: reverse("registry:invitation_action", args=[w.pk("invitation"), "resend"]),
             method="post"),
        Case("L 403 403 404 403 404", lambda w: reverse("registry:invitation_action", args=[999999, "withdraw"]),
             method="post"),
    ],
    "registry:handover": [
        Case("L 200 404 200 403 200", lambda w: reverse("registry:handover", args=[w.users["osaka"].pk])),
        Case("L 200 404 200 403 200", lambda w: reverse("registry:handover", args=[w.users["osaka"].pk]),
             method="post", data={}, note="invalid"),
        Case("L 404 404 404 403 404", lambda w: reverse("registry:handover", args=[999999])),
    ],
    "registry:reactivate": [
        Case("L 405 405 405 405 405", lambda w: reverse("registry:reactivate", args=[w.users["osaka"].pk])),
        Case("L 403 403 R 403 R", lambda w: reverse("registry:reactivate", args=[w.users["osaka"].pk]),
             method="post", note="already active"),
    ],
    "registry:account_events": [Case("L 403 403 403 200 200", lambda w: reverse("registry:account_events")),
                                Case("L 403 403 403 200 200",
                                     lambda w: reverse("registry:account_events") + "?action=invited&q=osaka")],
    # The invitee's page: the signed link is the credential, whoever opens it; a forged link is 404.
    "registry:invitation_accept": [
        everyone("200", invitation_link),
        everyone("404", lambda w: reverse("registry:invitation_accept", args=["1.forged:abc:def"])),
        everyone("200", invitation_link, method="post"),
    ],
    "set_language": [Case("R R R R R R", lambda w: reverse("set_language") + "?next=/admin/")],
    # The change log: everyone with a role, each seeing their own scope (tests/core/test_history_log.py).
    "registry:history": [Case("L 200 200 200 200 200", lambda w: reverse("registry:history"))],
    # One action's entries, opened in the log (a fragment): the same scope as the log (tests/core/test_history_action.py).
    "registry:history_action": [
        Case("L 200 200 200 200 200", lambda w: reverse("registry:history_action",
                                                         args=["5d0f1c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"])),
        Case("L 400 400 400 400 400", lambda w: reverse("registry:history_action",
                                                         args=["5d0f1c8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"])
             + "?organization=存在しない市"),
    ],
    "registry:history_export": [
        Case("L 200 200 200 200 200", lambda w: reverse("registry:history_export", args=["csv"]))
    ],
    # Pages for signed-in staff: lists, the survey's report, progress and review (each scoped by role).
    "registry:base_list": [Case("L 200 200 200 200 200", lambda w: reverse("registry:base_list")),
                           Case("L 200 200 200 200 200", lambda w: reverse("registry:base_list") + "?export=csv")],
    "registry:agreement_list": [Case("L 200 200 200 200 200", lambda w: reverse("registry:agreement_list"))],
    "registry:contractor_list": [Case("L 200 200 200 200 200", lambda w: reverse("registry:contractor_list"))],
    "registry:survey_rounds": [Case("L 200 200 200 200 200", lambda w: reverse("registry:survey_rounds"))],
    "registry:survey_report": [Case("L 200 200 200 200 200", lambda w: survey_url("survey_report", w))],
    "registry:survey_progress": [Case("L 200 200 200 200 200", lambda w: survey_url("survey_progress", w))],
    "registry:survey_pending_sheet": [Case("L 200 200 200 200 200", lambda w: survey_url("survey_pending_sheet", w))],
    # Reviewing is editing: supervisors only read.
    "registry:survey_review": [
        Case("L 200 200 200 403 200", lambda w: survey_url("survey_review", w)),
        # 回答完了 for 大阪府: only those who review its bases; the round is not open, so they get a message.
        Case("L R 404 R 403 R", lambda w: survey_url("survey_review", w), method="post",
             data=lambda w: {"action": "complete", "organization": w.pk("organization")}),
    ],
    "registry:survey_propose_closing": [
        Case("L 200 404 200 403 200", lambda w: survey_url("survey_propose_closing", w, w.pk("base")))
    ],
    # The round's own steps are the coordinator's; a step the round's state refuses redirects with a message.
    "registry:survey_open": [
        Case("L 403 403 405 403 405", lambda w: reverse("registry:survey_open")),
        Case("L 403 403 R 403 R", lambda w: reverse("registry:survey_open"), method="post",
             data={"reference_date": "2018-09-30", "due_date": "2018-11-30"}),
    ],
    **{f"registry:survey_{step}": [
        Case("L 403 403 405 403 405", lambda w, step=step: survey_url(f"survey_{step}", w)),
        Case("L 403 403 R 403 R", lambda w, step=step: survey_url(f"survey_{step}", w), method="post"),
    ] for step in ("close", "publish")},
    # 督促: a page saying who gets the reminder and who cannot (no address), then the POST sends it.
    "registry:survey_remind": [
        Case("L 403 403 200 403 200", lambda w: survey_url("survey_remind", w)),
        Case("L 403 403 R 403 R", lambda w: survey_url("survey_remind", w), method="post"),
    ],
    # The open round (none in the world): everyone signed in is sent to the list of rounds.
    "registry:survey_current": [Case("L R R R R R", lambda w: reverse("registry:survey_current"))],
    "registry:survey_list": [Case("L 200 200 200 200 200", lambda w: survey_url("survey_list", w))],
    "registry:survey_published_sheet": [
        Case("L 404 404 404 404 404", lambda w: survey_url("survey_published_sheet", w), note="not published"),
        Case("L 200 200 200 200 200", round_in("published", "survey_published_sheet")),
    ],
    "registry:survey_correct": [
        Case("L 403 403 200 403 200", lambda w: round_in("closed", "survey_correct", w.pk("baseroundrecord"))(w)),
        Case("L 403 403 200 403 200", lambda w: round_in("closed", "survey_correct", w.pk("baseroundrecord"))(w),
             method="post", data={"staff_dispatched": "", "reason": ""}, note="invalid form"),
    ],
    "admin:index": [Case("L 200 200 200 200 200", lambda w: reverse("admin:index"))],
    # Signing in (docs/sign-in.md). The sessions here are verified (tests/support/second_factor.py): the code page sends
    # them on; every signed-in user has the two-factor page (clerks may enrol, the others have enrolled).
    "two_factor_code": [Case("L R R R R R", lambda w: reverse("two_factor_code")),
                        Case("L R R R R R", lambda w: reverse("two_factor_code"), method="post",
                             data={"code": "000000"})],
    "two_factor": [Case("L 200 200 200 200 200", lambda w: reverse("two_factor")),
                   Case("L R R 200 200 200", lambda w: reverse("two_factor"), method="post",
                        data={"action": "codes"}, note="new recovery codes: for those enrolled"),
                   Case("L 200 200 R R R", lambda w: reverse("two_factor"), method="post",
                        data={"action": "confirm", "code": "000000"},
                        note="a wrong code: the page again; the enrolled are sent back to their page"),
                   Case("L R R R R R", lambda w: reverse("two_factor"), method="post", data={"action": "disable"})],
    # Resetting someone's second factor: a coordinator a clerk's, a superuser anyone's (not one's own).
    "two_factor_reset": [
        Case("L 403 403 200 403 200", lambda w: reverse("two_factor_reset", args=[w.users["osaka"].pk])),
        Case("L 403 403 403 403 200", lambda w: reverse("two_factor_reset", args=[w.users["coord"].pk])),
        Case("L 403 403 403 403 403", lambda w: reverse("two_factor_reset", args=[w.users["root"].pk])),
        Case("L 403 403 404 403 404", lambda w: reverse("two_factor_reset", args=[999999])),
        Case("L 403 403 R 403 R", lambda w: reverse("two_factor_reset", args=[w.users["osaka"].pk]), method="post"),
        Case("L 403 403 403 403 R", lambda w: reverse("two_factor_reset", args=[w.users["super"].pk]),
             method="post"),
    ],
    # The password reset by e-mail: for everyone, the same answers whoever asks (tests/accounts/test_password_reset.py).
    "admin_password_reset": [
        everyone("200", lambda w: reverse("admin_password_reset")),
        everyone("R", lambda w: reverse("admin_password_reset"), method="post", data=reset_request),
    ],
    "password_reset_done": [everyone("200", lambda w: reverse("password_reset_done"))],
    "password_reset_confirm": [everyone("200", lambda w: reverse("password_reset_confirm", args=["MQ", "bad-token"]))],
    "password_reset_complete": [everyone("200", lambda w: reverse("password_reset_complete"))],
    "admin:login": [Case("200 R R R R R", lambda w: reverse("admin:login"))],
    # Logging out takes a POST; anonymous users are sent to the index (and from there to the login).
    "admin:logout": [Case("R 405 405 405 405 405", lambda w: reverse("admin:logout"))],
    "admin:password_change": [Case("L 200 200 200 200 200", lambda w: reverse("admin:password_change"))],
    "admin:password_change_done": [Case("L 200 200 200 200 200", lambda w: reverse("admin:password_change_done"))],
    "admin:jsi18n": [Case("L 200 200 200 200 200", lambda w: reverse("admin:jsi18n"))],
    "admin:autocomplete": [
        Case("L 403 403 403 403 403", lambda w: reverse("admin:autocomplete"), note="no field given"),
        Case("L 200 200 200 200 200", autocomplete("base", "organization", "大阪")),
        Case("L 200 200 200 200 200", autocomplete("agreement", "bases", "テスト")),
    ],
    # No registry model has a public URL (yet): the admin's "view on site" finds none.
    "admin:view_on_site": [
        Case("L 404 404 404 404 404",
             lambda w: reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(w.objects["base"]).pk,
                                                          w.pk("base")]))
    ],
    "admin:app_list": [
        Case("L 200 200 200 200 200", lambda w: reverse("admin:app_list", args=["registry"])),
        Case("L 404 404 404 200 200", lambda w: reverse("admin:app_list", args=["auth"])),
        Case("L 404 404 404 404 200", lambda w: reverse("admin:app_list", args=["axes"])),
    ],
    "admin/(?P<url>.*)$": [Case("L 404 404 404 404 404", lambda w: "/admin/no-such-page/")],
    **admin_model("registry", "base", **OWN_RECORDS_CLERK_EDITS),
    # Survey import is the coordinators'; everyone who may export gets only their own rows (test_scope).
    "admin:registry_base_import": [Case("L 403 403 200 403 200", lambda w: reverse("admin:registry_base_import"))],
    "admin:registry_base_import_job": [
        Case("L 404 404 200 404 404", lambda w: reverse("admin:registry_base_import_job", args=[w.pk("importjob")]))],
    "admin:registry_base_import_job_progress": [Case(
        "403 404 404 200 404 404",
        lambda w: reverse("admin:registry_base_import_job_progress", args=[w.pk("importjob")]))],
    # A tie list's job page shows only the tie jobs of the user who started them: the survey job is 404 here.
    "admin:registry_agreement_import_job": [Case(
        "L 404 404 404 404 404",
        lambda w: reverse("admin:registry_agreement_import_job", args=[w.pk("importjob")]))],
    "admin:registry_agreement_import_job_progress": [Case(
        "403 404 404 404 404 404",
        lambda w: reverse("admin:registry_agreement_import_job_progress", args=[w.pk("importjob")]))],
    "admin:registry_base_process_import": [
        Case("L 405 405 405 405 405", lambda w: reverse("admin:registry_base_process_import")),
        Case("L 403 403 200 403 200", lambda w: reverse("admin:registry_base_process_import"), method="post"),
    ],
    "admin:registry_base_export": [Case("L 200 200 200 403 200", lambda w: reverse("admin:registry_base_export"))],
    # Contractors are shared reference data: only superusers load or dump them in bulk.
    # Agreement import is the coordinators' (the importer also refuses rows outside a user's scope);
    # everyone who may export gets only their own organizations' ties.
    "admin:registry_agreement_import": [
        Case("L 200 200 200 403 200", lambda w: reverse("admin:registry_agreement_import"))
    ],
    "admin:registry_agreement_process_import": [
        Case("L 405 405 405 405 405", lambda w: reverse("admin:registry_agreement_process_import")),
        Case("L 200 200 200 403 200", lambda w: reverse("admin:registry_agreement_process_import"), method="post"),
    ],
    "admin:registry_agreement_export": [
        Case("L 200 200 200 403 200", lambda w: reverse("admin:registry_agreement_export"))
    ],
    "admin:registry_contractor_import": [
        Case("L 403 403 403 403 200", lambda w: reverse("admin:registry_contractor_import"))
    ],
    "admin:registry_contractor_import_job": [Case(
        "L 404 404 404 404 200",
        lambda w: reverse("admin:registry_contractor_import_job", args=[w.pk("contractorjob")]))],
    "admin:registry_contractor_import_job_progress": [Case(
        "403 404 404 404 404 200",
        lambda w: reverse("admin:registry_contractor_import_job_progress", args=[w.pk("contractorjob")]))],
    "admin:registry_contractor_process_import": [
        Case("L 405 405 405 405 405", lambda w: reverse("admin:registry_contractor_process_import")),
        Case("L 403 403 403 403 200", lambda w: reverse("admin:registry_contractor_process_import"), method="post"),
    ],
    "admin:registry_contractor_export": [
        Case("L 403 403 403 403 200", lambda w: reverse("admin:registry_contractor_export"))
    ],
    **admin_model("registry", "baseroundrecord", **OWN_RECORDS_CLERK_EDITS),
    **admin_model("registry", "agreement", **OWN_RECORDS_CLERK_EDITS),
    **admin_model("registry", "organization", **OWN_RECORDS_READ_ONLY),
    **admin_model("registry", "organizationalias", **OWN_RECORDS_READ_ONLY),
    **admin_model("registry", "partner", **shared_records(add="L 200 200 200 403 200", version="L 403 403 200 200 200")),
    **admin_model("registry", "contractor", **shared_records(add="L 200 200 200 403 200", version="L 403 403 200 200 200")),
    **admin_model("registry", "jointoffice", **shared_records(add="L 403 403 200 403 200",
                                                                  version="L 403 403 200 200 200")),
    **admin_model("registry", "surveyround", **shared_records(add="L 403 403 200 403 200",
                                                                  version="L 403 403 200 200 200")),
    # Access changes only through grant_role/revoke_role: nobody reverts a membership, not even a superuser.
    **admin_model("registry", "membership", **SUPERVISOR_READS, version="L 403 403 403 403 403"),
    **admin_model("registry", "rolechange", **{**SUPERVISOR_READS, "add": "L 403 403 403 403 403",
                                               "delete": "L 403 403 403 403 403"}),
    **admin_model("registry", "importrecord", changelist="L 403 403 200 200 200", add="L 403 403 403 403 403",
                  change="L 403 403 200 200 200", delete="L 403 403 403 403 403", history="L 403 403 200 200 200"),
    **admin_model("auth", "user", **SUPERVISOR_READS),
    "admin:auth_user_password_change": [
        Case("L 403 403 403 403 200", lambda w: reverse("admin:auth_user_password_change", args=[w.pk("user")]))
    ],
    **admin_model("auth", "group", **SUPERVISOR_READS),
    # Places are shared: clerks and coordinators pin coordinates by hand; nobody adds or deletes but superusers.
    **admin_model("registry", "place", changelist="L 200 200 200 200 200", add="L 403 403 403 403 200",
                  change="L 200 200 200 200 200", delete="L 403 403 403 403 200", history="L 200 200 200 200 200",
                  version="L 200 200 200 200 200"),
    **admin_model("authtoken", "tokenproxy", changelist="L 403 403 403 403 200", add="L 403 403 403 403 200",
                  change="L 403 403 403 403 200", delete="L 403 403 403 403 200", history="L 403 403 403 403 200"),
    **API_MATRIX,
    **OPEN_DATA_MATRIX,
    **PORTAL_MATRIX,
    **admin_model("axes", "accessattempt", **SUPERUSER_ONLY_LOG),
    **admin_model("axes", "accesslog", **SUPERUSER_ONLY_LOG),
    **admin_model("axes", "accessfailurelog", **SUPERUSER_ONLY_LOG),
}


# --- walking the project's URLs -----------------------------------------------------------------

def url_keys(patterns=None, prefix="", namespace=None):
    """Every URL pattern of the project: ``namespace:name``, or its full route when unnamed."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_keys(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield prefix + str(pattern.pattern)


def test_every_url_is_in_the_matrix():
    missing = sorted(set(url_keys()) - set(MATRIX))
    assert not missing, (
        "These URLs are not in MATRIX of tests/core/test_permission_matrix.py; add what each role must get "
        "(see the module docstring):\n  " + "\n  ".join(missing)
    )


def test_the_matrix_lists_no_url_that_is_gone():
    gone = sorted(set(MATRIX) - set(url_keys()))
    assert not gone, "MATRIX lists URLs the project no longer has:\n  " + "\n  ".join(gone)


# --- running it ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs in a savepoint."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


def observed(response):
    if response.status_code == 302:
        login_url = reverse("admin:login")
        return "L" if response["Location"].startswith(login_url) else "R"
    return str(response.status_code)


@pytest.mark.parametrize(
    "key, case",
    [(key, case) for key, cases in MATRIX.items() for case in cases],
    ids=[f"{key}{'#' + str(i) if i else ''}" for key, cases in MATRIX.items() for i, _case in enumerate(cases)],
)
def test_url_answers_each_role_as_listed(db, world, key, case):
    url = case.url(world)
    mismatches = []
    for role, expected in case.statuses().items():
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        data = case.data(world) if callable(case.data) else case.data
        response = getattr(client, case.method)(url, data or {})
        got = observed(response)
        if got != expected:
            mismatches.append(f"{role}: expected {expected}, got {got}")
    assert not mismatches, f"{case.method.upper()} {url}\n  " + "\n  ".join(mismatches)
