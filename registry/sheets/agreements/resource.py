"""The agreement (tie) list's django-import-export resource: its columns for export, and the adapter the admin
imports through (the engine in ``plan.py`` reads, checks and writes)."""
from import_export.fields import Field

from registry.models import Agreement, ImportRecord
from registry.parsing.countries import country_label
from registry.parsing.dates import format_partial_date_iso
from registry.sheets.adapter import PlannedImportResource
from registry.sheets.agreements.cells import KIND_LABELS, TYPE_LABELS, renewals_cell
from registry.sheets.agreements.layout import COLUMNS, LABELS, agreement_workbook_bytes
from registry.sheets.agreements.plan import apply_agreement_plan, plan_agreement_rows
from registry.sheets.session import ImportSession


def column(key, attribute=None):
    return Field(attribute=attribute, column_name=LABELS[key])


class AgreementResource(PlannedImportResource):
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

    # -- import: the engine plans and applies; this adapter only hands it the rows ----------------

    def new_session(self):
        return ImportSession(kind=ImportRecord.Kind.AGREEMENTS)

    def plan_dataset(self, dataset):
        keys = [column.key for column in COLUMNS]
        rows = [(row[0], dict(zip(keys, row[1:]))) for row in dataset]
        present = getattr(dataset, "present_columns", frozenset(keys))
        return plan_agreement_rows(rows, self.session, present, getattr(dataset, "sheet_labels", {}),
                                   getattr(dataset, "table_description", ""))

    def apply(self, plan, expected_fingerprint):
        apply_agreement_plan(plan, expected_fingerprint)

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


def export_agreements_xlsx(queryset):
    return agreement_workbook_bytes(AgreementResource().export(queryset=queryset))
