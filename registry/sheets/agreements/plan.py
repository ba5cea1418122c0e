"""The agreement (tie) list in two steps: ``plan_agreements`` (read, resolve, validate, compare; no writes at all)
and ``apply_agreement_plan`` (partners, ties and renewals written in one transaction, in bulk, with history).

A row is identified by (団体, 相手先, 提携の種類): the organization (団体コード or 団体名), the partner (found
by any of its names in the partner's country, see ``partners.py``) and the type. A column missing from the
sheet leaves that value alone; an empty cell in a column that is there empties it. Organizations, partners
and existing ties come from indexes built with a constant number of queries; every error quotes only what
the file says, and a cell that cannot be read gives one error and no checks that depend on it.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.core.history import write_in_bulk
from registry.core.history.diff import RelatedObjects, field_changes
from registry.models import Agreement, AgreementRenewal, ImportRecord, Partner
from registry.parsing.dates import Precision
from registry.core.permissions import organization_ids_in_scope
from registry.sheets.agreements.cells import (
    TYPE_LABELS,
    RenewalEntry,
    guess_partner_kind,
    read_tie_row,
    renewal_order,
    renewals_cell,
)
from registry.sheets.agreements.layout import COLUMNS, LABELS, parse_agreement_table
from registry.sheets.agreements.partners import NAME_ATTRIBUTES, PartnerIndex
from registry.sheets.engine import SheetPlan, apply_plan, copy_record, preview_job, run_import, written_counter
from registry.sheets.outcome import ImportOutcome, Problem, RowNotice
from registry.sheets.reader import read_table
from registry.sheets.session import ImportSession
from registry.sheets.values import OrganizationIndex, ValueProblem

NAME_KEYS = {"name_ja": "partner_ja", "name_native": "partner_native", "name_en": "partner_en", "region": "region"}
# Model fields the sheet fills → the column they come from (a date field carries its precision).
FIELD_COLUMNS = {"signed_on": "signed", "ends_on": "ends", "fields": "fields", "intermediaries": "intermediaries",
                 "source_title": "source_title", "source_url": "source_url", "source_language": "source_language",
                 "notes": "notes", **NAME_KEYS}
COMPARED_FIELDS = ("signed_on", "ends_on", "fields", "intermediaries", "source_title", "source_url", "source_language",
                   "notes")  # in the preview's order; each date is read with its precision
DATE_COLUMNS = {"signed": ("signed_on", "signed_precision"), "ends": ("ends_on", "ends_precision")}
AGREEMENT_FIELDS = ("signed_on", "signed_precision", "ends_on", "ends_precision", "fields", "intermediaries",
                    "source_title", "source_url", "source_language", "notes")
PARTNER_FIELDS = (*NAME_ATTRIBUTES, "region", "match_keys")
# Model validation errors → the column that holds the value.
MODEL_FIELD_COLUMNS = {
    "organization": "org_name", "partner": "partner_ja", "agreement_type": "agreement_type",
    "signed_on": "signed", "signed_precision": "signed", "ends_on": "ends", "ends_precision": "ends",
    "name_ja": "partner_ja", "name_native": "partner_native", "name_en": "partner_en", "country": "country",
    "kind": "partner_kind",
    **{key: key for key in ("fields", "intermediaries", "source_title", "source_url", "source_language", "notes")},
}
KEY_COLUMNS = ("org_code", "org_name", "partner_ja", "partner_native", "partner_en", "country", "region",
               "partner_kind", "agreement_type", "tie")


@dataclass
class AgreementPlan(SheetPlan):
    """What importing the sheet would do; ``outcome`` is what the preview shows."""

    new_partners: list = field(default_factory=list)
    changed_partners: list = field(default_factory=list)
    new_agreements: list = field(default_factory=list)
    changed_agreements: list = field(default_factory=list)
    new_renewals: list = field(default_factory=list)
    old_renewals: list = field(default_factory=list)  # renewals the sheet no longer lists

    @property
    def writes_anything(self):
        return bool(self.new_partners or self.changed_partners or self.new_agreements or self.changed_agreements
                    or self.new_renewals or self.old_renewals)

    def clear(self):
        self.new_partners, self.changed_partners, self.new_agreements, self.changed_agreements = [], [], [], []
        self.new_renewals, self.old_renewals = [], []


@dataclass
class RowState:
    """One row read and resolved: its cells, organization, partner plan and notices."""

    tie_row: object
    organization: object = None
    partner_plan: object = None
    notices: list = field(default_factory=list)


class AgreementPlanner:
    def __init__(self, session, present, labels):
        self.session = session
        self.present = present
        self.sheet_labels = labels
        self.outcome = ImportOutcome()
        self.plan = AgreementPlan(outcome=self.outcome, session=session)
        user = session.user
        self.allowed = organization_ids_in_scope(user, "change") if user else None
        self.may_change_partners = user is None or user.has_perm("registry.change_partner")
        self.first_row_by_key = {}
        self.columns = self.column_labels()

    # -- labels ------------------------------------------------------------------------------------

    def label(self, key):
        """The column's label as the sheet writes it, for messages."""
        if key not in self.present and key in KEY_COLUMNS and "tie" in self.present:
            key = "tie"
        return self.sheet_labels.get(key) or LABELS[key]

    def column_labels(self):
        """Error keys (column keys, model fields) → the label of the sheet's column."""
        labels = {column.key: self.label(column.key) for column in COLUMNS}
        labels.update({attribute: self.label(key) for attribute, key in MODEL_FIELD_COLUMNS.items()})
        return labels

    # -- the rows ------------------------------------------------------------------------------------

    def plan_rows(self, rows, progress=None):
        tie_rows = []
        for number, values in rows:
            cells = {column.key: values.get(column.key, "") or "" for column in COLUMNS}
            tie_rows.append(read_tie_row(number, cells, self.present))
        self.organizations = OrganizationIndex()
        self.partners = PartnerIndex.load({row.country for row in tie_rows if row.country})
        states = [self.resolve(tie_row) for tie_row in tie_rows]
        self.load_agreements(states)
        for done, state in enumerate(states, 1):
            self.session.notices.extend(state.notices)
            self.plan_row(state)
            if progress is not None and (done % 500 == 0 or done == len(states)):
                progress(done, len(states))

    def resolve(self, tie_row):
        state = RowState(tie_row, notices=[RowNotice(tie_row.number, notice) for notice in tie_row.notices])
        self.resolve_organization(state)
        self.resolve_partner(state)
        self.check_duplicate(state)
        return state

    def resolve_organization(self, state):
        tie_row = state.tie_row
        try:
            state.organization = self.find_organization(tie_row)
        except ValueProblem as problem:
            tie_row.add_error("org_code" if tie_row.org_code and not tie_row.org_name else "org_name", problem)
            return
        if state.organization is None:
            return
        if self.allowed is not None and state.organization.pk not in self.allowed:
            tie_row.add_error("org_name" if "org_name" in self.present else "org_code",
                              _("you may not change the agreements of %(organization)s")
                              % {"organization": state.organization.name})

    def find_organization(self, tie_row):
        by_code = None
        if tie_row.org_code:
            code = tie_row.org_code.zfill(6) if tie_row.org_code.isdigit() else tie_row.org_code
            by_code = self.organizations.by_code.get(code)
            if by_code is None:
                tie_row.add_error("org_code", _("no organization has the code %(code)s") % {"code": tie_row.org_code})
                return None
        if not tie_row.org_name:
            return by_code
        by_name = self.organizations.find(tie_row.org_name)
        if by_code is not None and by_code != by_name:
            raise ValueProblem(_("「%(name)s」 is not the organization with code %(code)s (%(other)s)")
                               % {"name": tie_row.org_name, "code": tie_row.org_code, "other": by_code.name})
        return by_name

    def resolve_partner(self, state):
        tie_row = state.tie_row
        if not tie_row.country or not any(tie_row.partner_names.values()):
            return
        try:
            plan = self.partners.plan(tie_row.partner_names, tie_row.country, tie_row.region or "",
                                      tie_row.partner_kind, guess_partner_kind)
        except ValueProblem as problem:
            tie_row.add_error("partner_ja" if "partner_ja" in self.present else "tie", problem)
            return
        if not self.may_change_partners:
            plan.keep_existing()  # partners are shared: a clerk adds ties, not names
        for attribute, current, given in plan.kept:
            state.notices.append(
                _("row %(row)s: %(column)s 「%(given)s」 differs from the registry's 「%(current)s」 for this "
                  "partner; the registry's name is kept") % {"row": tie_row.number, "given": given,
                                                             "current": current,
                                                             "column": self.label(NAME_KEYS[attribute])})
        state.partner_plan = plan
        if plan.is_new:
            self.plan.new_partners.append(plan.partner)
        elif plan.fills:
            self.partners.fill(plan, copy_record)
            if plan.partner.pk is not None and plan.partner not in self.plan.changed_partners:
                self.plan.changed_partners.append(plan.partner)

    def check_duplicate(self, state):
        tie_row = state.tie_row
        if any(key in tie_row.errors for key in KEY_COLUMNS) or state.organization is None or not state.partner_plan:
            return
        partner = state.partner_plan.partner
        key = (state.organization.pk, partner.pk or id(partner), tie_row.agreement_type)
        first = self.first_row_by_key.setdefault(key, tie_row.number)
        if first != tie_row.number:
            tie_row.add_error("partner_ja" if "partner_ja" in self.present else "tie",
                              _("the same tie (organization, partner and type) as row %(row)s") % {"row": first})

    def load_agreements(self, states):
        organization_ids = {state.organization.pk for state in states if state.organization is not None}
        self.agreements = {
            (agreement.organization_id, agreement.partner_id, agreement.agreement_type): agreement
            for agreement in Agreement.objects.filter(organization_id__in=organization_ids)
            .select_related("organization", "partner").prefetch_related("renewals").order_by()
        }

    # -- one row ---------------------------------------------------------------------------------

    def plan_row(self, state):
        tie_row = state.tie_row
        if tie_row.errors or state.organization is None or state.partner_plan is None:
            self.add_errors(tie_row.number, tie_row.errors)
            return
        partner = state.partner_plan.partner
        key = (state.organization.pk, partner.pk, tie_row.agreement_type)
        original = self.agreements.get(key) if partner.pk is not None else None
        if original is None:
            agreement = Agreement(organization=state.organization, partner=partner,
                                  agreement_type=tie_row.agreement_type)
        else:
            agreement = copy_record(original)
            agreement.organization, agreement.partner = original.organization, partner
        for column_key, (date_attribute, precision_attribute) in DATE_COLUMNS.items():
            value = getattr(tie_row, column_key)
            if value is not None:
                setattr(agreement, date_attribute, value[0])
                setattr(agreement, precision_attribute, value[1])
        for attribute, value in tie_row.texts.items():
            if value is not None:
                setattr(agreement, attribute, value)
        errors = self.model_errors(state.partner_plan, agreement)
        if errors:
            self.add_errors(tie_row.number, errors)
            return
        self.record_row(state, original, agreement)

    def model_errors(self, partner_plan, agreement):
        """The records' own field rules, checked in memory once the row's cells read cleanly."""
        errors = {}
        if partner_plan.is_new or partner_plan.fills:
            try:
                # country and kind come from the cell readers as known codes (the country field's own check
                # would render its 250 choices for every partner)
                partner_plan.partner.clean_fields(exclude=["match_keys", "country", "kind"])
                partner_plan.partner.clean()
            except ValidationError as error:
                errors.update(error.message_dict)
        if not errors:
            try:
                agreement.clean_fields(exclude=["organization", "partner"])
            except ValidationError as error:
                errors.update(error.message_dict)
            for key, message in agreement.date_problems().items():
                errors.setdefault(key, []).append(str(message))
        return errors

    def record_row(self, state, original, agreement):
        tie_row = state.tie_row
        label = f"{agreement.organization.name} – {agreement.partner} ({TYPE_LABELS[agreement.agreement_type]})"
        wanted = tie_row.renewals
        if original is None:
            self.plan.new_agreements.append(agreement)
            self.plan.new_renewals += [new_renewal(agreement, entry) for entry in (wanted or [])]
            self.outcome.new_rows.append((tie_row.number, label))
            return
        plan = state.partner_plan
        changes = self.changes(Partner, plan.before, plan.partner, list(plan.fills))
        agreement_changes = self.changes(Agreement, original, agreement, COMPARED_FIELDS)
        changes += agreement_changes
        if agreement_changes:
            self.plan.changed_agreements.append(agreement)
        if wanted is not None:
            current = list(original.renewals.all())
            before, after = renewals_cell(current), "; ".join(entry.as_cell() for entry in wanted)
            if before != after:
                changes.append((self.label("renewals"), before, after))
                self.plan_renewals(agreement, current, wanted)
        if changes:
            self.outcome.updated_rows.append((tie_row.number, label, changes))
        else:
            self.outcome.unchanged_rows.append((tie_row.number, label))

    def changes(self, model, before, after, fields):
        """(column label, old, new) by the one diff module, labelled as the sheet labels its columns."""
        if before is None or not fields:
            return []
        return [(self.label(FIELD_COLUMNS[change.name]), change.old, change.new)
                for change in field_changes(model, before, after, {}, {}, RelatedObjects(), fields=fields)]

    def plan_renewals(self, agreement, current, entries):
        """The sheet's renewals become the tie's; renewals the sheet keeps keep their notes."""
        wanted = list(entries)
        for renewal in current:
            entry = RenewalEntry(renewal.renewed_on, renewal.renewed_precision, renewal.valid_until)
            if entry in wanted:
                wanted.remove(entry)
            else:
                self.plan.old_renewals.append(renewal)
        self.plan.new_renewals += [new_renewal(agreement, entry) for entry in sorted(wanted, key=renewal_order)]

    def add_errors(self, number, errors):
        for key, messages in errors.items():
            for message in messages:
                self.outcome.errors.append(Problem(number, self.columns.get(key, "-"), str(message)))

    def finish(self):
        outcome = self.outcome
        outcome.tally(self.session.notices)
        if outcome.errors:
            self.plan.clear()
        return self.plan


def new_renewal(agreement, entry):
    return AgreementRenewal(agreement=agreement, renewed_on=entry.renewed_on,
                            renewed_precision=entry.renewed_precision or Precision.UNKNOWN,
                            valid_until=entry.valid_until)


# -- the two steps -------------------------------------------------------------------------------

def plan_agreement_rows(rows, session, present, labels, source_description="", progress=None):
    """Plan the import of a sheet's rows ((file row, {column key: text})). No writes."""
    planner = AgreementPlanner(session, present, labels)
    planner.outcome.source_description = source_description
    planner.plan_rows(rows, progress)
    return planner.finish()


def plan_agreements(content, file_name, session, progress=None):
    """Read the file and plan its import (no writes at all, not even rolled-back ones)."""
    sheet = parse_agreement_table(read_table(content, file_name))
    session.take_file(sheet.table, sheet.notices)
    return plan_agreement_rows(sheet.rows, session, sheet.present, sheet.labels, sheet.table.description, progress)


def write_agreement_plan(plan, progress=None):
    """Partners first (ties point at them), then ties, then renewals; one history row per record written.
    ``progress(done, total)`` counts the records written, a batch at a time."""
    report = written_counter(progress, sum(map(len, (
        plan.new_partners, plan.changed_partners, plan.new_agreements, plan.changed_agreements, plan.old_renewals,
        plan.new_renewals))))
    write_in_bulk(Partner, plan.new_partners, report=report)
    write_in_bulk(Partner, updated=plan.changed_partners, fields=PARTNER_FIELDS, report=report)
    write_in_bulk(Agreement, plan.new_agreements, report=report)
    write_in_bulk(Agreement, updated=plan.changed_agreements, fields=AGREEMENT_FIELDS, report=report)
    for renewal in plan.old_renewals:  # each deleted with its history entry
        renewal.delete()
    report(len(plan.old_renewals))
    write_in_bulk(AgreementRenewal, plan.new_renewals, report=report)


def apply_agreement_plan(plan, expected_fingerprint=None, progress=None):
    """Write the plan in one transaction; refuses (PreviewOutdated) if it differs from the previewed one."""
    return apply_plan(plan, write_agreement_plan, expected_fingerprint, progress=progress)


def import_agreement_file(content, file_name, *, user=None, dry_run=False, expected=None, progress=None):
    """Preview or apply one agreement sheet (``engine.run_import``); returns the ImportOutcome."""
    session = ImportSession(kind=ImportRecord.Kind.AGREEMENTS, user=user, file_name=file_name)
    return run_import(session, plan_agreements, apply_agreement_plan, content, dry_run=dry_run, expected=expected,
                      progress=progress)


# -- the background job's two steps (registry/sheets/jobs.py) -------------------------------------------

def preview_upload(job, content, progress):
    """Plan the uploaded list; returns the outcome the preview shows and the file's hash."""
    session = ImportSession(kind=ImportRecord.Kind.AGREEMENTS, user=job.user, file_name=job.file_name)
    return preview_job(session, plan_agreements, content, progress)


def apply_upload(job, content, progress):
    """Apply the uploaded list as previewed (the job's options hold the preview's file hash and digest)."""
    return import_agreement_file(content, job.file_name, user=job.user, expected=job.options["expected"],
                                 progress=progress)
