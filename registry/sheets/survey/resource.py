"""The survey sheet's django-import-export resource: its columns for export, and the adapter the admin imports through."""
from django.db.models import Case, IntegerField, Value, When
from import_export.fields import Field

from registry.models import Base
from registry.sheets.adapter import PlannedImportResource
from registry.sheets.session import ImportSession
from registry.sheets.survey.layout import COLUMNS, LABELS, ROW_COLUMN
from registry.sheets.survey.plan import apply_survey_plan, plan_survey_rows
from registry.sheets.widgets import (
    CitiesWidget,
    CountNumberWidget,
    CountriesWidget,
    FiscalYearWidget,
    NamedRecordWidget,
    TextWidget,
)


def text_field(attribute, key):
    return Field(attribute=attribute, column_name=LABELS[key], widget=TextWidget())


class SurveyBaseResource(PlannedImportResource):
    """The survey sheet 「自治体の海外拠点一覧」: one row per base, keyed by (団体名, 拠点No)."""

    org_no = Field(column_name=LABELS["org_no"], readonly=True)
    number = Field(attribute="number", column_name=LABELS["base_no"], widget=CountNumberWidget())
    organization = Field(attribute="organization", column_name=LABELS["org_name"], widget=NamedRecordWidget())
    name = text_field("name", "name")
    countries = Field(attribute="countries", column_name=LABELS["countries"], widget=CountriesWidget(LABELS["cities"]))
    cities = Field(attribute="cities", column_name=LABELS["cities"], widget=CitiesWidget())
    form = Field(attribute="form", column_name=LABELS["form"], widget=TextWidget())
    contractor = Field(attribute="contractor", column_name=LABELS["contractor"], widget=NamedRecordWidget())
    established_fy = Field(attribute="established_fy", column_name=LABELS["established"], widget=FiscalYearWidget())
    department = text_field("department", "department")
    staff_total = Field(column_name=LABELS["staff_total"], readonly=True)
    staff_dispatched = Field(attribute="staff_dispatched", column_name=LABELS["staff_dispatched"],
                             widget=CountNumberWidget())
    staff_local = Field(attribute="staff_local", column_name=LABELS["staff_local"], widget=CountNumberWidget())
    reason = text_field("reason", "reason")
    activities = text_field("activities", "activities")
    url = text_field("url", "url")
    remarks = text_field("remarks", "remarks")

    class Meta:
        model = Base
        fields = (
            "org_no", "number", "organization", "name", "countries", "cities", "form", "contractor",
            "established_fy", "department", "staff_total", "staff_dispatched", "staff_local", "reason",
            "activities", "url", "remarks",
        )
        export_order = fields
        import_id_fields = ("organization", "number")

    def __init__(self, session=None, expected=None, **kwargs):
        super().__init__(session, expected, **kwargs)
        self.org_numbers = {}

    # -- import: the engine plans and applies; this adapter only hands it the rows ----------------

    def new_session(self):
        return ImportSession()

    def plan_dataset(self, dataset):
        rows = [{ROW_COLUMN: values[0], **{key: value for (key, _label), value in zip(COLUMNS, values[1:])}}
                for values in dataset]
        return plan_survey_rows(rows, self.session, getattr(dataset, "reference_date", None),
                                getattr(dataset, "table_description", ""))

    def apply(self, plan, expected_fingerprint):
        apply_survey_plan(plan, expected_fingerprint)

    # -- export --------------------------------------------------------------------------

    def get_queryset(self):
        return Base.objects.select_related("organization", "contractor")

    def before_export(self, queryset, **kwargs):
        order = []
        for organization_id in queryset.values_list("organization_id", flat=True):
            if organization_id not in order:
                order.append(organization_id)
        self.org_numbers = {organization_id: index for index, organization_id in enumerate(order, 1)}

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("organization", "contractor").order_by(*survey_order())

    def dehydrate_org_no(self, base):
        return self.org_numbers.get(base.organization_id, "")

    def dehydrate_organization(self, base):
        return base.organization.name

    def dehydrate_form(self, base):
        return f"{base.form} {base.form_detail}".strip()

    def dehydrate_staff_total(self, base):
        return base.staff_total


def survey_order():
    """Prefectures first, then cities, as the survey lists them."""
    prefecture_first = Case(When(organization__kind="prefecture", then=Value(0)), default=Value(1),
                            output_field=IntegerField())
    return (prefecture_first, "organization__code", "number")
