"""Inviting many people from one sheet (団体コード, 氏名, メールアドレス, 役割), in the import engine's two steps.

``plan_invitations`` reads the file (xlsx/xls/ods/csv/tsv, through the project's reader) and checks every row
against what exists — organizations, accounts, open invitations — without writing anything; the preview shows
what it would do and every error by row and column. ``apply_invitation_plan`` writes it all in one transaction
under the import lock (``engine.apply_plan``), or nothing when any row has an error, and mails the links after
the commit. Rows of one address make one invitation to each organization they name. An address whose
invitation is open with the same role and organizations, or whose account already has them, is unchanged: the
same file imported again changes nothing.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from registry.accounts import audit
from registry.accounts.invitations import expiry, invitation_message
from registry.accounts.listing import invitable_roles, may_invite_to
from registry.accounts.mail import send_after_commit
from registry.core.downloads import Column
from registry.models import ImportRecord, Invitation, Organization, RoleChange
from registry.parsing.text import label_key, normalize_cell, plain_text
from registry.core.permissions import Role
from registry.sheets.engine import SheetPlan, apply_plan, run_import
from registry.sheets.outcome import ImportOutcome, NewRow, Problem
from registry.sheets.reader import ROW_COLUMN, SheetLayoutError, header_columns, headings, no_data_rows_error, read_table
from registry.sheets.session import ImportSession

COLUMNS = (
    Column("code", "団体コード", other_labels=("団体", "code")),
    Column("name", "氏名", other_labels=("名前", "name")),
    Column("email", "メールアドレス", other_labels=("メール", "email", "e-mail")),
    Column("role", "役割", other_labels=("role", "ロール")),
)
KEY_BY_LABEL = headings(COLUMNS)
LABELS = {column.key: column.label for column in COLUMNS}
ROLE_BY_TEXT = {label_key(text): role for role in Role.ALL for text in (role, Role.GROUP_NAMES[role])}


@dataclass
class InvitationPlan(SheetPlan):
    invitations: list = field(default_factory=list)  # (Invitation, [organizations])

    @property
    def writes_anything(self):
        return bool(self.invitations)


def parse_table(table):
    mapping, rows, header = None, [], []
    for sheet_row in table.rows:
        if sheet_row.is_blank():
            continue
        if mapping is None:
            found = header_columns(sheet_row.cells, KEY_BY_LABEL)
            if "email" in found.values():
                mapping, header = found, sheet_row.cells
            continue
        rows.append({ROW_COLUMN: sheet_row.number, **{
            key: sheet_row.cells[index] if index < len(sheet_row.cells) else "" for index, key in mapping.items()}})
    if mapping is None:
        raise SheetLayoutError("見出しの行が見つかりません：団体コード、氏名、メールアドレス、役割 の列が必要です。")
    missing = [LABELS[key] for key in ("code", "name", "email") if key not in mapping.values()]
    if missing:
        raise SheetLayoutError(f"見出しに {'、'.join(missing)} の列がありません。")
    if not rows:
        raise no_data_rows_error()
    return rows


class InvitationPlanner:
    def __init__(self, session):
        self.session = session
        self.outcome = ImportOutcome()
        self.plan = InvitationPlan(outcome=self.outcome, session=session)
        self.roles = invitable_roles(session.user) if session.user is not None else Role.ALL
        self.organizations = {o.code: o for o in Organization.objects.only("id", "code", "name")}
        users = get_user_model().objects.prefetch_related("groups", "memberships")
        self.accounts = {}
        for user in users:
            for address in {user.username.lower(), (user.email or "").lower()} - {""}:
                self.accounts[address] = user
        self.open = {i.email.lower(): i for i in Invitation.objects.open().prefetch_related("organizations")}

    def read_row(self, row):
        """(email, name, role, organization) of the row, or None after recording its errors."""
        number, errors = row[ROW_COLUMN], []
        name = plain_text(row.get("name"))
        email = normalize_cell(row.get("email")).lower()
        role_text = normalize_cell(row.get("role"))
        role = ROLE_BY_TEXT.get(label_key(role_text)) if role_text else Role.CLERK
        code = normalize_cell(row.get("code"))
        organization = self.organizations.get(code)
        if not name:
            errors.append(("name", "氏名がありません"))
        elif len(name) > 150:
            errors.append(("name", "氏名は150文字までです"))
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("email", f"「{email}」はメールアドレスではありません" if email else "メールアドレスがありません"))
        if role is None:
            errors.append(("role", f"「{role_text}」は役割ではありません：担当者、取りまとめ担当、調査担当、管理者 のいずれかです"))
        elif role not in self.roles:
            errors.append(("role", f"{Role.GROUP_NAMES[role]} を招待する権限がありません"))
        if role in Role.WITH_ORGANIZATIONS and not code:
            errors.append(("code", f"{Role.GROUP_NAMES[role]}には団体コードが必要です"))
        elif code and organization is None:
            errors.append(("code", f"団体コード「{code}」の団体はありません"))
        elif code and role is not None and role not in Role.WITH_ORGANIZATIONS:
            errors.append(("code", "団体コードを書けるのは担当者と取りまとめ担当だけです"))
        elif role == Role.LEAD and organization.kind != organization.Kind.PREFECTURE:
            errors.append(("code", f"取りまとめ担当の団体は都道府県です（「{code}」は{organization.name}）"))
        elif organization is not None and self.session.user is not None \
                and not may_invite_to(self.session.user, organization):
            errors.append(("code", f"団体コード「{code}」（{organization.name}）の担当者は招待できません："
                                   "取りまとめる都道府県とその市区町村だけです"))
        if errors:
            self.outcome.errors += [Problem(number, LABELS[column], message) for column, message in errors]
            return None
        return email, name, role, organization

    def plan_rows(self, rows, progress=None):
        people = defaultdict(list)  # email → [(row, name, role, organization)]
        for done, row in enumerate(rows, 1):
            read = self.read_row(row)
            if read is not None:
                email, *rest = read
                people[email].append((row[ROW_COLUMN], *rest))
            if progress is not None:
                progress(done, len(rows))
        for email, person_rows in people.items():
            self.plan_person(email, person_rows)

    def plan_person(self, email, person_rows):
        first_row, name, role, _organization = person_rows[0]
        organizations = []
        for number, row_name, row_role, organization in person_rows:
            if (row_name, row_role) != (name, role):
                self.outcome.errors.append(Problem(number, LABELS["name"], (
                    f"{email} は {first_row}行目 と氏名か役割が違います")))
                return
            if organization is not None:
                if organization in organizations:
                    self.outcome.errors.append(Problem(number, LABELS["code"], (
                        f"{email} と団体コード {organization.code} の組は {first_row}行目 にもあります")))
                    return
                if role == Role.LEAD and organizations:
                    self.outcome.errors.append(Problem(number, LABELS["code"], (
                        f"{email} は {first_row}行目 で取りまとめ担当です：都道府県は一つです")))
                    return
                organizations.append(organization)
        label = f"{name} <{email}>（{Role.GROUP_NAMES[role]}" + (
            f"、{'・'.join(o.name for o in organizations)}）" if organizations else "）")
        state = self.existing_state(email, role, organizations)
        if state == "same":
            self.outcome.unchanged_rows += [(number, label) for number, *_rest in person_rows]
        elif state:
            self.outcome.errors.append(Problem(first_row, LABELS["email"], state))
        else:
            invitation = Invitation(name=name, email=email, role=role, invited_by=self.session.user)
            self.plan.invitations.append((invitation, organizations))
            self.outcome.new_rows.append(NewRow(first_row, label))

    def existing_state(self, email, role, organizations):
        """"same" when the address is already invited or has an account as the rows say; an error text when it has
        something else; "" when it can be invited."""
        wanted = {o.pk for o in organizations}
        account = self.accounts.get(email)
        if account is not None:
            groups = {g.name for g in account.groups.all()}
            members = {m.organization_id for m in account.memberships.all()}
            if Role.GROUP_NAMES[role] in groups and wanted <= members:
                return "same"
            return f"{email} のアカウントはすでにあります（役割か団体が違います：アカウント一覧で確かめてください）"
        invitation = self.open.get(email)
        if invitation is not None:
            if invitation.role == role and {o.pk for o in invitation.organizations.all()} == wanted:
                return "same"
            return f"{email} には役割か団体の違う受諾待ちの招待があります（取り下げてから招待してください）"
        return ""

    def finish(self):
        self.outcome.tally(self.session.notices)
        if self.outcome.errors:
            self.plan.invitations = []
        return self.plan


def plan_invitations(content, file_name, session, progress=None):
    """Read the file and plan the invitations; writes nothing."""
    table = read_table(content, file_name)
    session.take_file(table, [])
    planner = InvitationPlanner(session)
    planner.outcome.source_description = table.description
    planner.plan_rows(parse_table(table), progress)
    return planner.finish()


def write_invitations(plan, progress=None):
    """The invitations, their organizations and their audit rows; the e-mails after the commit."""
    expires = expiry()
    invitations = [invitation for invitation, _organizations in plan.invitations]
    for invitation in invitations:
        invitation.expires_at, invitation.sent_count = expires, 1
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    through = Invitation.organizations.through
    through.objects.bulk_create([through(invitation_id=invitation.pk, organization_id=organization.pk)
                                 for invitation, organizations in plan.invitations for organization in organizations],
                                batch_size=1000)
    for invitation, organizations in plan.invitations:
        audit.record(invitation.email, RoleChange.Action.INVITED, role=invitation.role,
                     organization=organizations[0] if len(organizations) == 1 else None,
                     detail=f"{invitation.name}（一括招待 {plan.session.file_name}）")
    send_after_commit(invitation_message(invitation, organizations) for invitation, organizations in plan.invitations)


def apply_invitation_plan(plan, expected_fingerprint=None, progress=None):
    return apply_plan(plan, write_invitations, expected_fingerprint, progress=progress)


def invitation_session(user, file_name):
    return ImportSession(kind=ImportRecord.Kind.INVITATIONS, user=user, file_name=file_name)


def import_invitation_file(content, file_name, *, user=None, dry_run=False, expected=None):
    """Preview (dry_run) or apply one invitation sheet; returns the ImportOutcome."""
    return run_import(invitation_session(user, file_name), plan_invitations, apply_invitation_plan, content,
                      dry_run=dry_run, expected=expected)
