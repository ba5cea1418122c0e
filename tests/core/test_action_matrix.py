"""Every admin action that writes — change, delete, revert, bulk actions — on every model, as every role, by POST.

tests/core/test_permission_matrix.py checks what each role *sees* (GET). This module sends the writes
themselves and checks both the answer and the record: a role that may not act leaves the record
exactly as it was (compared field by field, history included).

Tokens per role (anon osaka sapporo coord super root), as in the permission matrix: a status code,
``L`` (302 to the login page), ``R`` (302 elsewhere: done). For bulk actions: ``D`` the record was
deleted / changed, ``K`` it was kept as it was.
"""
import pytest
from django.contrib import admin
from django.core import serializers
from django.db import transaction
from django.test import Client
from django.urls import reverse

from registry.core.permissions import Role
from tests.admin.test_agreements_admin import change_form_data
from tests.core.test_permission_matrix import ROLES, build_world, invitation_link, observed

#               anon osaka sapporo coord super root
CHANGE = {
    "base":              "L R 404 R 403 R",
    "baseroundrecord":   "L R 404 R 403 R",
    "agreement":         "L R 404 R 403 R",
    "organization":      "L 403 403 403 403 R",
    "organizationalias": "L 403 403 403 403 R",
    "partner":           "L 403 403 R 403 R",
    "contractor":        "L 403 403 R 403 R",
    "jointoffice":       "L 403 403 R 403 R",
    "surveyround":       "L 403 403 R 403 R",
    "place":             "L R R R 403 R",  # shared places every clerk may pin
    "place_named_by_osaka": "L R 403 R 403 R",  # located, named by 大阪府's base: not 札幌市's clerk's to move
    "membership":        "L 403 403 403 403 R",
    "rolechange":        "L 403 403 403 403 403",
    "importrecord":      "L 403 403 403 403 403",
    "user":              "L 403 403 403 403 R",
    "group":             "L 403 403 403 403 R",
}
# Deleting is the superuser's alone (records are closed, not deleted); the logs are never deleted.
# 200: the record is protected by others (a base by its round figures, a partner by its ties…):
# the page says which, and nothing is deleted.
DELETE = {key: "L 403 403 403 403 R" for key in CHANGE}
DELETE.update({key: "L 403 403 403 403 200" for key in ("base", "organization", "surveyround", "partner")})
DELETE.update({key: "L 403 403 403 403 403" for key in ("rolechange", "importrecord")})
# Reverting to the first version: editors of the record and supervisors; nobody reverts access.
REVERT = {
    "base":              "L R 404 R R R",
    "baseroundrecord":   "L R 404 R R R",
    "agreement":         "L R 404 R R R",
    "organization":      "L 403 404 403 R R",
    "organizationalias": "L 403 404 403 R R",
    "partner":           "L 403 403 R R R",
    "contractor":        "L 403 403 R R R",
    "jointoffice":       "L 403 403 R R R",
    "surveyround":       "L 403 403 R R R",
    "place":             "L R R R R R",
    "place_named_by_osaka": "L R 403 R R R",
    "membership":        "L 403 403 403 403 403",
}
# Bulk actions from the change list: D = done, K = the record kept as it was.
BULK = {
    ("base", "mark_closed_today"): "K D K D K D",
    **{(key, "delete_selected"): "K K K K K D" for key in CHANGE if key not in ("rolechange", "importrecord")},
    # protected by other records, as above
    **{(key, "delete_selected"): "K K K K K K" for key in ("base", "organization", "surveyround", "partner")},
    ("rolechange", "delete_selected"): "K K K K K K",
    ("importrecord", "delete_selected"): "K K K K K K",
}


def admin_url(obj, view, *args):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def snapshot(obj):
    """The record and its history, as stored."""
    model = type(obj)
    rows = list(model._default_manager.filter(pk=obj.pk))
    # (logging in as the user under test stamps its last_login: that is not a change by the request)
    fields = [f.name for f in model._meta.get_fields() if f.concrete and f.name != "last_login" and not f.primary_key]
    state = serializers.serialize("json", rows, fields=fields)
    history = getattr(model, "history", None)
    if history is not None:
        state += serializers.serialize("json", history.filter(**{model._meta.pk.attname: obj.pk}))
    return state


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            yield built
            transaction.set_rollback(True)


def client_for(world, role):
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def expected(tokens):
    values = tokens.split()
    assert len(values) == len(ROLES)
    return dict(zip(ROLES, values))


def check_roles(world, key, tokens, send):
    """Send the write as each role (each inside a rolled-back savepoint) and compare answer and record."""
    obj = world.objects[key]
    mismatches = []
    for role, token in expected(tokens).items():
        with transaction.atomic():
            before = snapshot(obj)
            response = send(client_for(world, role), obj)
            got = observed(response)
            if got != token:
                errors = ""
                if got == "200" and response.context and "adminform" in response.context:
                    errors = response.context["adminform"].form.errors or [
                        f.formset.errors for f in response.context["inline_admin_formsets"]]
                elif got == "200" and not response.context:
                    errors = response.content.decode()[:300]
                mismatches.append(f"{role}: expected {token}, got {got} {errors}")
            if token != "R" and snapshot(obj) != before:
                mismatches.append(f"{role}: the record changed although the answer was {got}")
            transaction.set_rollback(True)
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("key", list(CHANGE))
def test_change_by_post(db, world, key):
    obj = world.objects[key]
    form = change_form_data(client_for(world, "root").get(admin_url(obj, "change", obj.pk)),
                            change_reason="権限の確認")
    if key == "user":  # the admin splits the joining time into a date and a time field
        form.update(date_joined_0=obj.date_joined.date().isoformat(), date_joined_1="09:00:00")

    def send(client, obj):
        return client.post(admin_url(obj, "change", obj.pk), form)

    check_roles(world, key, CHANGE[key], send)


@pytest.mark.parametrize("target, lands_on", [("/survey/", "/survey/"), ("https://example.com/", None),
                                              ("//example.com/", None)])
def test_a_base_saved_with_a_return_address_goes_back_only_to_our_own_pages(db, world, target, lands_on):
    """The to-do's 編集 links carry ``?next=``: the same answers as a plain save, and a save lands on ``next``
    only when it is one of our pages (otherwise the admin's list, as without it)."""
    obj = world.objects["base"]
    form = change_form_data(client_for(world, "root").get(admin_url(obj, "change", obj.pk)),
                            change_reason="権限の確認")
    landed = []

    def send(client, obj):
        response = client.post(admin_url(obj, "change", obj.pk) + f"?next={target}", form)
        if response.status_code == 302 and "/login/" not in response["Location"]:
            landed.append(response["Location"])
        return response

    check_roles(world, "base", CHANGE["base"], send)
    assert landed and set(landed) == {lands_on or admin_url(obj, "changelist")}


@pytest.mark.parametrize("key", list(DELETE))
def test_delete_by_post(db, world, key):
    check_roles(world, key, DELETE[key], lambda client, obj: client.post(admin_url(obj, "delete", obj.pk),
                                                                         {"post": "yes"}))


@pytest.mark.parametrize("key", list(REVERT))
def test_revert_by_post(db, world, key):
    obj = world.objects[key]
    version = obj.history.order_by("history_id").first()

    def send(client, obj):
        return client.post(admin_url(obj, "simple_history", obj.pk, version.history_id), {"reason": "権限の確認"})

    check_roles(world, key, REVERT[key], send)


@pytest.mark.parametrize("key, action", list(BULK))
def test_bulk_action_by_post(db, world, key, action):
    obj = world.objects[key]
    mismatches = []
    for role, token in expected(BULK[(key, action)]).items():
        with transaction.atomic():
            before = snapshot(obj)
            client_for(world, role).post(admin_url(obj, "changelist"),
                                         {"action": action, "_selected_action": [obj.pk], "post": "yes",
                                          "index": 0})
            got = "K" if snapshot(obj) == before else "D"
            if got != token:
                mismatches.append(f"{role}: expected {token}, got {got}")
            transaction.set_rollback(True)
    assert not mismatches, "\n".join(mismatches)


def test_every_model_and_bulk_action_of_the_admin_is_covered():
    registered = {model._meta.model_name for model in admin.site._registry
                  if model._meta.app_label in ("registry", "auth")}
    assert registered <= set(CHANGE) | {"accessattempt", "accesslog", "accessfailurelog"}, registered - set(CHANGE)
    request_user = type("U", (), {"is_active": True, "is_superuser": True, "is_staff": True,
                                  "has_perm": lambda self, perm, obj=None: True})()
    request = type("R", (), {"user": request_user, "GET": {}, "POST": {}})()
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "registry":
            continue
        for name in model_admin.get_actions(request):
            if (model._meta.model_name, name) not in BULK:
                missing.append((model._meta.model_name, name))
    assert not missing, f"bulk actions without an expectation in BULK: {missing}"


# Notification pages that write (issue 29): D = the user's watch / settings / read marks were written, K = nothing.
#                        anon osaka sapporo coord super root
NOTIFICATION_WRITES = {
    "watch the base":     ("registry:watch", lambda w: {"target": "base", "id": w.pk("base"), "action": "watch"},
                           "K D K D D D"),
    "renew the feed key": ("registry:notification_settings", lambda w: {"action": "renew_feed"}, "K D D D D D"),
    "mark all read":      ("registry:notifications", lambda w: {}, "K D D D D D"),
}


def notification_state():
    from registry.models import Notification, NotificationSettings, Watch

    return (list(Watch.objects.values_list("user", "base", "muted")),
            list(NotificationSettings.objects.values_list("user", "feed_token")),
            list(Notification.objects.values_list("user", "read_at")))


@pytest.mark.parametrize("label", list(NOTIFICATION_WRITES))
def test_notification_writes_by_post(db, world, label):
    from registry.models import Notification, NotificationSettings

    name, data, tokens = NOTIFICATION_WRITES[label]
    mismatches = []
    for role, token in expected(tokens).items():
        with transaction.atomic():
            for user in filter(None, world.users.values()):
                NotificationSettings.of(user)
                Notification.objects.create(user=user, kind="change", text="テスト")
            before = notification_state()
            client_for(world, role).post(reverse(name), data(world))
            got = "K" if notification_state() == before else "D"
            if got != token:
                mismatches.append(f"{role}: expected {token}, got {got}")
            transaction.set_rollback(True)
    assert not mismatches, "\n".join(mismatches)


# Account writes (issue 23): D = invitations, accounts or memberships changed, K = nothing.
#                        anon osaka sapporo coord super root
def account_state():
    from django.contrib.auth import get_user_model

    from registry.models import Invitation, Membership

    return (list(Invitation.objects.order_by("pk").values_list("pk", "key", "withdrawn_at", "accepted_at")),
            list(get_user_model().objects.order_by("pk").values_list("pk", "is_active")),
            list(Membership.objects.order_by("pk").values_list("pk", "ends_on")))


def bulk_apply_data(world):
    import hashlib

    from registry.sheets.invitations import import_invitation_file
    from registry.sheets.engine import plan_fingerprint
    from registry.sheets.uploads import UploadStorage
    from tests.support.accounts_helpers import sheet

    content = sheet(("270008", "一括 花子", "bulk@example.jp", "担当者"))
    outcome = import_invitation_file(content, "i.csv", user=world.users["coord"], dry_run=True)
    stored = UploadStorage()
    stored.save(content)
    return {"action": "apply", "upload": stored.name, "file_name": "i.csv",
            "sha256": hashlib.sha256(content).hexdigest(), "fingerprint": plan_fingerprint(outcome)}


def stopped_user_pk(world):
    from tests.support.roles import make_user

    user = make_user(Role.CLERK, "270008", username="matrix_stopped")
    user.is_active = False
    user.save()
    return user.pk


def handover_data(world):
    from django.utils import timezone

    membership = world.users["osaka"].memberships.get()
    return {"memberships": [membership.pk], "ends_on": timezone.localdate().isoformat(),
            "successor_name": "後任 太郎", "successor_email": "successor@example.jp"}


ACCOUNT_WRITES = {
    "invite one": (lambda w: reverse("registry:invite"),
                   lambda w: {"name": "招待 一郎", "email": "one@example.jp", "role": "clerk", "organizations": "270008"},
                   "K K K D K D"),
    "bulk preview": (lambda w: reverse("registry:bulk_invite"), lambda w: {}, "K K K K K K"),
    "bulk apply": (lambda w: reverse("registry:bulk_invite"), bulk_apply_data, "K K K D K D"),
    "resend": (lambda w: reverse("registry:invitation_action", args=[w.pk("invitation"), "resend"]), lambda w: {},
               "K K K D K D"),
    "withdraw": (lambda w: reverse("registry:invitation_action", args=[w.pk("invitation"), "withdraw"]),
                 lambda w: {}, "K K K D K D"),
    "handover of 大阪府's clerk": (lambda w: reverse("registry:handover", args=[w.users["osaka"].pk]), handover_data,
                                  "K D K D K D"),
    "reactivate": (lambda w: reverse("registry:reactivate", args=[stopped_user_pk(w)]), lambda w: {},
                   "K K K D K D"),
    "accept the invitation": (
        invitation_link,
        lambda w: {"password1": "kyoto-new-pass-2026", "password2": "kyoto-new-pass-2026"}, "D D D D D D"),
}


@pytest.mark.parametrize("label", list(ACCOUNT_WRITES))
def test_account_writes_by_post(db, world, label):
    url, data, tokens = ACCOUNT_WRITES[label]
    mismatches = []
    for role, token in expected(tokens).items():
        with transaction.atomic():
            target, payload = url(world), data(world)
            before = account_state()
            client_for(world, role).post(target, payload)
            got = "K" if account_state() == before else "D"
            if got != token:
                mismatches.append(f"{role}: expected {token}, got {got}")
            transaction.set_rollback(True)
    assert not mismatches, "\n".join(mismatches)


# Sign-in writes (docs/sign-in.md): D = the confirmed second factors / sent mail changed, K = nothing. 大阪府's clerk and every
# required role have a second factor here; 札幌市's clerk has none.
#                        anon osaka sapporo coord super root
SIGN_IN_WRITES = {
    "reset the clerk's second factor": (lambda w: reverse("two_factor_reset", args=[w.users["osaka"].pk]),
                                        lambda w: {}, "K K K D K D"),
    "reset the supervisor's second factor": (lambda w: reverse("two_factor_reset", args=[w.users["super"].pk]),
                                             lambda w: {}, "K K K K K D"),
    "new recovery codes": (lambda w: reverse("two_factor"), lambda w: {"action": "codes"}, "K D K D D D"),
    "turn one's second factor off": (lambda w: reverse("two_factor"), lambda w: {"action": "disable"},
                                     "K D K K K K"),
    "enrol with a wrong code": (lambda w: reverse("two_factor"), lambda w: {"action": "confirm", "code": "1"},
                                "K K K K K K"),
    "ask for a password reset": (lambda w: reverse("admin_password_reset"),
                                 lambda w: {"email": "matrix_osaka@example.jp"}, "D D D D D D"),
}


def sign_in_state():
    from django.core import mail
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # (an enrolment page opened leaves an unconfirmed device behind: it verifies nothing)
    return (sorted(TOTPDevice.objects.filter(confirmed=True).values_list("user", "key")),
            sorted(StaticToken.objects.values_list("device__user", "token")), len(mail.outbox))


@pytest.mark.parametrize("label", list(SIGN_IN_WRITES))
def test_sign_in_writes_by_post(db, world, label):
    from django.core.cache import cache

    from registry.accounts.second_factor import new_recovery_codes
    from tests.support.second_factor import enrol

    url, data, tokens = SIGN_IN_WRITES[label]
    mismatches = []
    for role, token in expected(tokens).items():
        with transaction.atomic():
            cache.clear()
            for key in ("osaka", "coord", "super", "root"):
                enrol(world.users[key])
                new_recovery_codes(world.users[key])
            client = client_for(world, role)
            before = sign_in_state()
            client.post(url(world), data(world))
            got = "K" if sign_in_state() == before else "D"
            if got != token:
                mismatches.append(f"{role}: expected {token}, got {got}")
            transaction.set_rollback(True)
    assert not mismatches, "\n".join(mismatches)
