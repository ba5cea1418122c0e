"""The partnership agreement sheet as a django-import-export resource.

A row is identified by (団体, 相手先, 提携の種類): the organization (団体コード or 団体名), the partner (found
by any of its names in the partner's country, see registry.sheets.agreements.partners) and the type. A column missing
from the sheet leaves that value alone; an empty cell in a column that is there empties it.
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.results import RowResult

from registry.models import Agreement, AgreementRenewal, ImportRecord
from registry.parsing.countries import country_label
from registry.parsing.dates import Precision, format_partial_date, format_partial_date_iso
from registry.permissions import organization_ids_in_scope
from registry.sheets.agreements.cells import (
    KIND_LABELS,
    TYPE_LABELS,
    RenewalEntry,
    guess_partner_kind,
    read_tie_row,
    renewal_order,
    renewals_cell,
)
from registry.sheets.agreements.layout import (
    COLUMNS,
    LABELS,
    ROW_COLUMN,
    agreement_workbook_bytes,
    read_agreement_dataset,
)
from registry.sheets.agreements.partners import PartnerIndex
from registry.sheets.outcome import ImportOutcome
from registry.sheets.recorded import RecordedImportResource
from registry.sheets.session import ImportSession
from registry.sheets.values import OrganizationIndex, ValueProblem

NAME_KEYS = {"name_ja": "partner_ja", "name_native": "partner_native", "name_en": "partner_en", "region": "region"}
DATE_COLUMNS = {"signed": ("signed_on", "signed_precision"), "ends": ("ends_on", "ends_precision")}
# Columns whose key is the model attribute they fill.
TEXT_KEYS = ("fields", "intermediaries", "source_title", "source_url", "source_language", "notes")
# Model validation errors (full_clean) → the column that holds the value.
MODEL_FIELD_COLUMNS = {
    "organization": "org_name", "partner": "partner_ja", "agreement_type": "agreement_type",
    "signed_on": "signed", "signed_precision": "signed", "ends_on": "ends", "ends_precision": "ends",
    # A partner's own fields, when the partner record refuses a value.
    "name_ja": "partner_ja", "name_native": "partner_native", "name_en": "partner_en", "country": "country",
    "kind": "partner_kind",
    **{key: key for key in TEXT_KEYS},
}
KEY_COLUMNS = ("org_code", "org_name", "partner_ja", "partner_native", "partner_en", "country", "region",
               "partner_kind", "agreement_type", "tie")


class RowState:
    """One row read and resolved: organization, partner plan, the tie's key, and errors per column."""

    def __init__(self, tie_row):
        self.tie_row = tie_row
        self.organization = None
        self.partner_plan = None
        self.changes = []

    @property
    def errors(self):
        return self.tie_row.errors

    def has_key_errors(self):
        return any(key in self.errors for key in KEY_COLUMNS)

    def validation_error(self):
        return ValidationError({key: list(messages) for key, messages in self.errors.items()})


def column(key, attribute=None):
    return Field(attribute=attribute, column_name=LABELS[key])


class AgreementResource(RecordedImportResource):
    organization_code = column("org_code")
    organization = column("org_name", "organization")
    partner = column("partner_ja", "partner")
    partner_native = column("partner_native")
    partner_en = column("partner_en")
    country = column("country")
    region = column("region")
    partner_kind = column("partner_kind")
    agreement_type = column("agreement_type", "agreement_type")
    signed = column("signed")
    ends = column("ends")
    renewals = column("renewals")
    cooperation_fields = column("fields")
    intermediaries = column("intermediaries")
    source_title = column("source_title")
    source_url = column("source_url")
    source_language = column("source_language")
    notes = column("notes")

    class Meta:
        model = Agreement
        fields = ("organization_code", "organization", "partner", "partner_native", "partner_en", "country",
                  "region", "partner_kind", "agreement_type", "signed", "ends", "renewals", "cooperation_fields",
                  "intermediaries", "source_title", "source_url", "source_language", "notes")
        export_order = fields
        import_id_fields = ("organization", "partner", "agreement_type")

    def __init__(self, session=None, **kwargs):
        super().__init__(**kwargs)
        self.session = session or ImportSession(kind=ImportRecord.Kind.AGREEMENTS)
        self.outcome = ImportOutcome()
        self.organizations = None
        self.partners = PartnerIndex()
        self.present = frozenset()
        self.sheet_labels = {}
        self.row_numbers = []
        self.first_row_by_key = {}
        self.state = None

    # -- reading -------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.organizations = OrganizationIndex()
        self.present = getattr(dataset, "present_columns", frozenset(column.key for column in COLUMNS))
        self.sheet_labels = getattr(dataset, "sheet_labels", {})
        self.read_sheet_metadata(dataset)

    def before_import_row(self, row, **kwargs):
        cells = {column.key: row.get(column.label, "") or "" for column in COLUMNS}
        tie_row = read_tie_row(row[ROW_COLUMN], cells, self.present)
        self.state = RowState(tie_row)
        self.session.notices.extend(f"row {tie_row.number}: {notice}" for notice in tie_row.notices)
        self.resolve_organization(self.state)
        self.resolve_partner(self.state)
        self.check_duplicate(self.state)

    def resolve_organization(self, state):
        tie_row = state.tie_row
        try:
            state.organization = self.find_organization(tie_row)
        except ValueProblem as problem:
            tie_row.add_error("org_code" if tie_row.org_code and not tie_row.org_name else "org_name", problem)
            return
        if state.organization is None:
            return
        allowed = organization_ids_in_scope(self.session.user, "change") if self.session.user else None
        if allowed is not None and state.organization.pk not in allowed:
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
                               % {"name": tie_row.org_name, "code": by_code.code, "other": by_code.name})
        return by_name

    def resolve_partner(self, state):
        tie_row = state.tie_row
        if not tie_row.country or not any(tie_row.partner_names.values()):
            return
        try:
            state.partner_plan = self.partners.plan(tie_row.partner_names, tie_row.country, tie_row.region or "",
                                                    tie_row.partner_kind, guess_partner_kind)
        except ValueProblem as problem:
            tie_row.add_error("partner_ja" if "partner_ja" in self.present else "tie", problem)
            return
        user = self.session.user
        if user is not None and not user.has_perm("registry.change_partner"):
            state.partner_plan.keep_existing()  # partners are shared: a clerk adds ties, not names
        for attribute, current, given in state.partner_plan.kept:
            self.session.notices.append(
                _("row %(row)s: %(column)s 「%(given)s」 differs from the registry's 「%(current)s」 for this "
                  "partner; the registry's name is kept") % {"row": tie_row.number, "given": given,
                                                             "current": current,
                                                             "column": self.label(NAME_KEYS[attribute])})

    def check_duplicate(self, state):
        if state.has_key_errors() or state.organization is None or state.partner_plan is None:
            return
        first = self.register_tie(state)
        if first != state.tie_row.number:
            state.tie_row.add_error("partner_ja" if "partner_ja" in self.present else "tie",
                                    _("the same tie (organization, partner and type) as row %(row)s") % {"row": first})

    def register_tie(self, state):
        """The row that first named this tie (this row if none did)."""
        key = (state.organization.pk, state.partner_plan.identity(), state.tie_row.agreement_type)
        return self.first_row_by_key.setdefault(key, state.tie_row.number)

    def get_or_init_instance(self, instance_loader, row):
        state = self.state
        if state.has_key_errors() or state.organization is None or state.partner_plan is None:
            raise state.validation_error()
        partner = state.partner_plan.partner
        if partner.pk:
            existing = Agreement.objects.filter(organization=state.organization, partner=partner,
                                                agreement_type=state.tie_row.agreement_type).first()
            if existing is not None:
                return existing, False
        return Agreement(organization=state.organization, partner=partner,
                         agreement_type=state.tie_row.agreement_type), True

    def import_instance(self, instance, row, **kwargs):
        state = self.state
        state.changes = self.partner_changes(state.partner_plan)
        self.apply_dates(instance, state)
        self.apply_texts(instance, state)
        state.changes += self.renewal_changes(instance, state.tie_row.renewals)
        if state.errors:
            raise state.validation_error()

    def partner_changes(self, plan):
        return [(self.label(NAME_KEYS[attribute]), "", value) for attribute, value in plan.fills.items()]

    def apply_dates(self, instance, state):
        for key, (date_attribute, precision_attribute) in DATE_COLUMNS.items():
            value = getattr(state.tie_row, key)
            if value is None:
                continue
            before = (getattr(instance, date_attribute), getattr(instance, precision_attribute))
            if before != value:
                state.changes.append((self.label(key), format_partial_date(*before), format_partial_date(*value)))
                setattr(instance, date_attribute, value[0])
                setattr(instance, precision_attribute, value[1])

    def apply_texts(self, instance, state):
        for key in TEXT_KEYS:
            value = state.tie_row.texts.get(key)
            if value is None or getattr(instance, key) == value:
                continue
            state.changes.append((self.label(key), getattr(instance, key), value))
            setattr(instance, key, value)

    def renewal_changes(self, instance, renewals):
        if renewals is None:
            return []
        current = renewals_cell(instance.renewals.all()) if instance.pk else ""
        wanted = "; ".join(entry.as_cell() for entry in renewals)
        return [] if current == wanted else [(self.label("renewals"), current, wanted)]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        return not self.state.changes

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's own rules are checked once the row's cells read cleanly (they need the partner saved)."""
        if import_validation_errors:
            raise ValidationError(import_validation_errors)
        if self.state.partner_plan.needs_saving:
            self.session.ensure_record()
            instance.partner = self.partners.save(self.state.partner_plan)
            self.register_tie(self.state)  # later rows find the partner saved
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def label(self, key):
        """The column's label as the sheet writes it, for messages."""
        if key not in self.present and key in KEY_COLUMNS and "tie" in self.present:
            key = "tie"
        return self.sheet_labels.get(key) or LABELS[key]

    def column_labels(self):
        """Error keys (column keys, model fields) → the label of the sheet's column."""
        labels = {column.key: self.label(column.key) for column in COLUMNS}
        labels.update({attribute: self.label(key) for attribute, key in MODEL_FIELD_COLUMNS.items()})
        labels["__all__"] = "-"
        return labels

    # -- writing -------------------------------------------------------------------------

    def before_save_instance(self, instance, row, **kwargs):
        self.session.ensure_record()

    def after_save_instance(self, instance, row, **kwargs):
        renewals = self.state.tie_row.renewals
        if renewals is not None:
            sync_renewals(instance, renewals)

    def after_import_row(self, row, row_result, **kwargs):
        instance = row_result.instance
        if instance is None or row_result.import_type not in (
                RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP):
            return
        label = f"{instance.organization.name} – {instance.partner} ({TYPE_LABELS[instance.agreement_type]})"
        number = row[ROW_COLUMN]
        if row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            self.outcome.new_rows.append((number, label))
        elif row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            self.outcome.updated_rows.append((number, label, self.state.changes))
        else:
            self.outcome.unchanged_rows.append((number, label))

    def after_import(self, dataset, result, **kwargs):
        self.outcome.finish(result, self)
        if not self.outcome.errors:
            self.outcome.save_counts(self.session.record)

    # -- export --------------------------------------------------------------------------

    def get_queryset(self):
        return Agreement.objects.all()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("organization", "partner").prefetch_related("renewals").order_by(
            "organization__code", "partner__country", "signed_on", "partner__name_ja", "agreement_type")

    def dehydrate_organization_code(self, agreement):
        return agreement.organization.code

    def dehydrate_organization(self, agreement):
        return agreement.organization.name

    def dehydrate_partner(self, agreement):
        return agreement.partner.name_ja

    def dehydrate_partner_native(self, agreement):
        return agreement.partner.name_native

    def dehydrate_partner_en(self, agreement):
        return agreement.partner.name_en

    def dehydrate_country(self, agreement):
        return country_label(agreement.partner.country.code)

    def dehydrate_region(self, agreement):
        return agreement.partner.region

    def dehydrate_partner_kind(self, agreement):
        return KIND_LABELS.get(agreement.partner.kind, "")

    def dehydrate_agreement_type(self, agreement):
        return TYPE_LABELS[agreement.agreement_type]

    def dehydrate_signed(self, agreement):
        return format_partial_date_iso(agreement.signed_on, agreement.signed_precision)

    def dehydrate_ends(self, agreement):
        return format_partial_date_iso(agreement.ends_on, agreement.ends_precision)

    def dehydrate_renewals(self, agreement):
        return renewals_cell(agreement.renewals.all())

    def dehydrate_cooperation_fields(self, agreement):
        return agreement.fields

    def dehydrate_intermediaries(self, agreement):
        return agreement.intermediaries

    def dehydrate_source_title(self, agreement):
        return agreement.source_title

    def dehydrate_source_url(self, agreement):
        return agreement.source_url

    def dehydrate_source_language(self, agreement):
        return agreement.source_language

    def dehydrate_notes(self, agreement):
        return agreement.notes


def sync_renewals(agreement, entries):
    """Make the agreement's renewals those of the sheet; renewals the sheet keeps keep their notes."""
    wanted = list(entries)
    for renewal in list(agreement.renewals.all()):
        entry = RenewalEntry(renewal.renewed_on, renewal.renewed_precision, renewal.valid_until)
        if entry in wanted:
            wanted.remove(entry)
        else:
            renewal.delete()
    for entry in sorted(wanted, key=renewal_order):
        AgreementRenewal.objects.create(agreement=agreement, renewed_on=entry.renewed_on,
                                        renewed_precision=entry.renewed_precision or Precision.UNKNOWN,
                                        valid_until=entry.valid_until)


def import_agreement_file(content, file_name, *, user=None, dry_run=False):
    """Preview (dry_run) or apply one agreement sheet; returns the ImportOutcome."""
    dataset = read_agreement_dataset(content, file_name)
    session = ImportSession(kind=ImportRecord.Kind.AGREEMENTS, user=user, file_name=file_name)
    outcome = AgreementResource(session=session).import_data(dataset, dry_run=dry_run).outcome
    if dry_run:
        outcome.import_record = None
    return outcome


def export_agreements_xlsx(queryset):
    return agreement_workbook_bytes(AgreementResource().export(queryset=queryset))
