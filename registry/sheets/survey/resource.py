"""django-import-export resources: one per model the survey and the admin read or write."""
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _
from import_export.fields import Field
from import_export.results import RowResult

from registry.models import Base, BaseStatus, Contractor, JointOffice, ReviewState
from registry.parsing.text import match_key, parse_int_cell
from registry.permissions import organization_ids_in_scope
from registry.sheets.outcome import SurveyOutcome, describe_changes
from registry.sheets.recorded import RecordedImportResource
from registry.sheets.session import ImportSession
from registry.sheets.survey.layout import LABELS, ROW_COLUMN, short_label
from registry.sheets.values import OrganizationIndex, ValueProblem, guess_contractor_kind, parse_form_cell
from registry.sheets.widgets import (
    CitiesWidget,
    CountNumberWidget,
    CountriesWidget,
    FiscalYearWidget,
    NamedRecordWidget,
    TextWidget,
)

REVIEW_BY_IMPORT_TYPE = {
    RowResult.IMPORT_TYPE_NEW: ReviewState.NEW,
    RowResult.IMPORT_TYPE_UPDATE: ReviewState.CHANGED,
    RowResult.IMPORT_TYPE_SKIP: ReviewState.UNCHANGED,
}


def text_field(attribute, key):
    return Field(attribute=attribute, column_name=LABELS[key], widget=TextWidget())


class SurveyBaseResource(RecordedImportResource):
    """The survey sheet 「自治体の海外拠点一覧」: one row per base, keyed by (団体名, 拠点No)."""

    org_no = Field(column_name=LABELS["org_no"], readonly=True)
    number = Field(attribute="number", column_name=LABELS["base_no"], widget=CountNumberWidget())
    organization = Field(attribute="organization", column_name=LABELS["org_name"])
    name = text_field("name", "name")
    countries = Field(attribute="countries", column_name=LABELS["countries"], widget=CountriesWidget(LABELS["cities"]))
    cities = Field(attribute="cities", column_name=LABELS["cities"], widget=CitiesWidget())
    form = Field(attribute="form", column_name=LABELS["form"], widget=TextWidget())
    contractor = Field(attribute="contractor", column_name=LABELS["contractor"])
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

    def __init__(self, session=None, **kwargs):
        super().__init__(**kwargs)
        self.session = session or ImportSession()
        self.fields["organization"].widget = NamedRecordWidget(self.find_organization)
        self.fields["contractor"].widget = NamedRecordWidget(self.find_or_create_contractor)
        self._organizations = None
        self.outcome = SurveyOutcome()
        self._clerk_answers = None
        self.duplicate_rows = {}
        self.joint_office_names = {}
        self.seen_base_ids = set()
        self.seen_organization_ids = set()
        self.org_numbers = {}
        self.row_numbers = []

    # -- reading -------------------------------------------------------------------------

    @property
    def organizations(self):
        if self._organizations is None:
            self._organizations = OrganizationIndex()
        return self._organizations

    def find_organization(self, text, row=None):
        return self.organizations.find(text)

    def find_or_create_contractor(self, name, row=None, hosting=False):
        contractor = Contractor.objects.filter(match_key=match_key(name)).first()
        if contractor is None:
            contractor = self.create_valid(Contractor(name=name, kind=guess_contractor_kind(name, hosting=hosting)))
        return contractor

    def find_or_create_joint_office(self, name, instance):
        office = JointOffice.objects.filter(match_key=match_key(name)).first()
        if office is None:
            countries = list(instance.countries)
            cities = instance.city_list
            office = self.create_valid(
                JointOffice(name=name, country=countries[0] if countries else "", city=cities[0] if cities else "")
            )
        return office

    def create_valid(self, record):
        """Save a record the sheet names, after the same checks as a form (length, choices)."""
        try:
            record.full_clean(exclude=["match_key"])
        except ValidationError as error:
            raise ValueProblem(" ".join(error.messages)) from error
        self.session.ensure_record()
        record.save()
        return record

    def before_import(self, dataset, **kwargs):
        self.read_sheet_metadata(dataset)
        try:
            self.session.check_round_accepts_import()
        except ValueError:
            del dataset[0:len(dataset)]  # nothing of the sheet is read into a closed round
            raise
        self.check_title_date(getattr(dataset, "reference_date", None))
        rows = [dict(zip(dataset.headers, values)) for values in dataset]
        self.find_duplicate_numbers(rows)
        self.find_joint_offices(rows)
        self.check_organization_numbers(rows)

    def find_duplicate_numbers(self, rows):
        first_row = {}
        for row in rows:
            key = (row[LABELS["org_name"]], str(row[LABELS["base_no"]]))
            if key in first_row:
                self.duplicate_rows[row[ROW_COLUMN]] = first_row[key]
            else:
                first_row[key] = row[ROW_COLUMN]

    def find_joint_offices(self, rows):
        """Rows of several organizations naming the same own office in the same place are one joint office."""
        groups = {}
        for row in rows:
            name = row[LABELS["name"]]
            form_letter = str(row[LABELS["form"]])[:1].lower()
            if name and form_letter in ("a", "d"):
                key = (match_key(name), row[LABELS["countries"]], row[LABELS["cities"]])
                groups.setdefault(key, {"name": name, "organizations": set()})["organizations"].add(
                    row[LABELS["org_name"]]
                )
        for (name_key, countries, cities), group in groups.items():
            if len(group["organizations"]) > 1:
                self.joint_office_names[(name_key, countries, cities)] = group["name"]

    def check_title_date(self, title_date):
        survey_date = self.session.survey_date
        if title_date and survey_date and title_date != survey_date:
            self.outcome.warnings.append(
                _("the sheet's title gives %(title)s, the import is for %(round)s")
                % {"title": f"{title_date:%Y-%m-%d}", "round": f"{survey_date:%Y-%m-%d}"}
            )

    def check_organization_numbers(self, rows):
        """団体No is only a hint: report a number shared by several organizations."""
        names_by_number = {}
        for row in rows:
            number = str(row[LABELS["org_no"]] or "")
            if number:
                names_by_number.setdefault(number, {}).setdefault(row[LABELS["org_name"]], row[ROW_COLUMN])
        for number, names in names_by_number.items():
            if len(names) > 1:
                listed = "、".join(f"{name} (row {row})" for name, row in names.items())
                self.outcome.warnings.append(
                    _("団体No %(number)s is given to %(names)s: it is only a hint, the organizations stay separate.")
                    % {"number": number, "names": listed}
                )

    def get_or_init_instance(self, instance_loader, row):
        try:
            return super().get_or_init_instance(instance_loader, row)
        except ValueProblem as problem:
            # The instance is looked up by (団体名, 拠点No): say which of the two cells is wrong.
            key = "number" if self.organization_ok(row) else "organization"
            raise ValidationError({key: str(problem)}) from problem

    def organization_ok(self, row):
        try:
            self.organizations.find(row[LABELS["org_name"]])
            return True
        except ValueProblem:
            return False

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        errors.update(self.check_row(instance, row))
        if "form" not in errors:
            self.apply_form_cell(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row):
        errors = {}
        allowed = organization_ids_in_scope(self.session.user, "change") if self.session.user else None
        if instance.organization_id and allowed is not None and instance.organization_id not in allowed:
            errors["organization"] = [_("you may not change the bases of %(organization)s")
                                      % {"organization": instance.organization.name}]
        if instance.number is None:
            errors["number"] = [_("the base number is missing")]
        if row[ROW_COLUMN] in self.duplicate_rows:
            errors["number"] = [_("base number %(number)s is already used by row %(row)s of the same organization")
                                % {"number": row[LABELS["base_no"]], "row": self.duplicate_rows[row[ROW_COLUMN]]}]
        for attribute in ("staff_dispatched", "staff_local"):
            if getattr(instance, attribute, None) is None:
                setattr(instance, attribute, 0)
        try:
            total = parse_int_cell(row[LABELS["staff_total"]])
        except ValueError as error:
            errors["staff_total"] = [str(error)]
        else:
            if total is not None and total != instance.staff_total:
                errors["staff_total"] = [
                    _("the total %(total)s is not dispatched %(dispatched)s + local %(local)s")
                    % {"total": total, "dispatched": instance.staff_dispatched, "local": instance.staff_local}
                ]
        return errors

    def apply_form_cell(self, instance, row, errors):
        try:
            cell = parse_form_cell(row[LABELS["form"]])
        except ValueProblem as problem:
            errors["form"] = [str(problem)]
            return
        instance.form, instance.form_detail = cell.letter, cell.detail
        try:
            instance.host_agency = (
                self.find_or_create_contractor(cell.host_name, hosting=True) if cell.host_name else None
            )
        except ValueProblem as problem:
            errors["form"] = [str(problem)]
            return
        joint_key = (match_key(instance.name), row[LABELS["countries"]], row[LABELS["cities"]])
        joint_name = self.joint_office_names.get(joint_key)
        if joint_name:
            instance.joint_office = self.find_or_create_joint_office(joint_name, instance)

    def import_data(self, dataset, dry_run=False, **kwargs):
        self.dry_run = dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or original is None or instance.pk is None:
            return False
        changes = describe_changes(original, instance)
        if not changes:
            return True
        return self.settle_disagreement(instance, original, row, changes)

    def clerk_answers(self):
        if self._clerk_answers is None:
            from registry.rounds.progress import clerk_answers

            survey_round = self.session.survey_round()
            self._clerk_answers = clerk_answers(survey_round) if survey_round is not None else {}
        return self._clerk_answers

    def settle_disagreement(self, instance, original, row, changes):
        """The sheet changes a base its clerk already answered in this round: the coordinator's decision wins.

        Returns True to skip the row (the clerk's values stay). Undecided, the preview lists it and the
        import itself is refused for that row.
        """
        from registry.rounds.progress import CLERK_WINS, SHEET_WINS

        answer = self.clerk_answers().get(instance.pk)
        if answer is None:
            return False
        winner = self.session.conflicts
        label = f"{instance.organization.name} #{instance.number} {instance.name}".strip()
        self.outcome.conflicts.append((row[ROW_COLUMN], label, answer.get_review_state_display(), changes, winner))
        if winner == CLERK_WINS:
            for model_field in Base._meta.concrete_fields:
                setattr(instance, model_field.attname, getattr(original, model_field.attname))
            return True
        if winner != SHEET_WINS and not getattr(self, "dry_run", False):
            raise ValidationError(
                _("the clerk already answered this base in this round (%(state)s) and the sheet differs: "
                  "choose which side wins") % {"state": answer.get_review_state_display()}
            )
        return False

    def column_labels(self):
        """Error keys (field names and attributes) → the short column label of the sheet."""
        labels = {}
        for name, resource_field in self.fields.items():
            label = short_label(resource_field.column_name)
            labels[name] = label
            if resource_field.attribute:
                labels[resource_field.attribute] = label
        # Model fields filled from another column of the sheet.
        for attribute, column in (("form_detail", "form"), ("host_agency", "form"), ("joint_office", "name")):
            labels[attribute] = labels[column]
        return labels

    # -- writing -------------------------------------------------------------------------

    def before_save_instance(self, instance, row, **kwargs):
        self.session.ensure_record()

    def after_import_row(self, row, row_result, **kwargs):
        instance = row_result.instance
        if instance is None or row_result.import_type not in REVIEW_BY_IMPORT_TYPE:
            return
        self.seen_base_ids.add(instance.pk)
        self.seen_organization_ids.add(instance.organization_id)
        label = f"{instance.organization.name} #{instance.number} {instance.name}".strip()
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE and row_result.original is not None:
            self.outcome.updated_rows.append((row[ROW_COLUMN], label, describe_changes(row_result.original, instance)))
        elif row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            self.outcome.new_rows.append((row[ROW_COLUMN], label))
        else:
            self.outcome.unchanged_rows.append((row[ROW_COLUMN], label))
        if self.session.survey_date is not None:
            self.write_round_record(instance, REVIEW_BY_IMPORT_TYPE[row_result.import_type])

    def write_round_record(self, base, review_state):
        """The round's record of this base says what the sheet says (written by the rounds service)."""
        from registry.rounds.records import record_bases

        survey_round = self.session.survey_round()
        if survey_round is None or not survey_round.is_open:
            self.session.ensure_record()  # opens the round
            survey_round = self.session.survey_round()
        record_bases(survey_round, [base], states={base.pk: review_state}, before_write=self.session.ensure_record)

    def after_import(self, dataset, result, **kwargs):
        self.outcome.finish(result, self)
        if self.outcome.errors:
            return
        missing = Base.objects.filter(
            organization_id__in=self.seen_organization_ids, status=BaseStatus.ACTIVE
        ).exclude(pk__in=self.seen_base_ids).select_related("organization")
        for base in missing:
            self.outcome.missing.append(base)
            if self.session.survey_date is not None:
                self.write_round_record(base, ReviewState.CLOSING)
        self.outcome.save_counts(self.session.record)

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
