"""The survey sheet in two steps: ``plan_survey`` (read, resolve, validate, compare; no writes at all) and
``apply_survey_plan`` (the plan's writes in one transaction, in bulk, with history).

Every lookup goes through indexes built with a constant number of queries, so a sheet of 10,000 rows costs
the same handful of queries as a sheet of ten. Every error quotes only what the file says; a cell that
cannot be read gives one error and no checks that depend on it.
"""
import functools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry.core.downloads import country_names
from registry.core.history import write_in_bulk
from registry.core.history.diff import RelatedObjects, diff_fields
from registry.core.history.diff import field_changes as diff_changes
from registry.models import Base, BaseRoundRecord, BaseStatus, Contractor, JointOffice, ReviewState, SurveyRound
from registry.models.fields import stored_value
from registry.parsing.text import match_key, parse_int_cell
from registry.core.permissions import organization_ids_in_scope
from registry.sheets.engine import SheetPlan, apply_plan, copy_record, written_counter
from registry.sheets.outcome import Conflict, NewRow, Problem, SurveyOutcome
from registry.survey.progress import CLERK_WINS, SHEET_WINS, clerk_answers
from registry.survey.records import plan_records, record_bases
from registry.sheets.reader import ROW_COLUMN, read_table
from registry.sheets.session import round_refusal
from registry.sheets.survey.layout import COLUMNS, LABELS, parse_survey_table, short_label
from registry.sheets.values import OrganizationIndex, ValueProblem, guess_contractor_kind, parse_form_cell
from registry.sheets.widgets import CitiesWidget, CountNumberWidget, CountriesWidget, FiscalYearWidget, TextWidget

# Cells read straight into a field of the base: (attribute, sheet column, widget).
CELL_FIELDS = (
    ("number", "base_no", CountNumberWidget()),
    ("name", "name", TextWidget()),
    ("countries", "countries", CountriesWidget(LABELS["cities"])),
    ("cities", "cities", CitiesWidget()),
    ("established_fy", "established", FiscalYearWidget()),
    ("department", "department", TextWidget()),
    ("staff_dispatched", "staff_dispatched", CountNumberWidget()),
    ("staff_local", "staff_local", CountNumberWidget()),
    ("reason", "reason", TextWidget()),
    ("activities", "activities", TextWidget()),
    ("url", "url", TextWidget()),
    ("remarks", "remarks", TextWidget()),
)
WRITTEN_FIELDS = ("name", "countries", "cities", "form", "form_detail", "contractor", "host_agency", "joint_office",
                  "established_fy", "department", "staff_dispatched", "staff_local", "reason", "activities", "url",
                  "remarks")
# Error keys (attributes) → the sheet column they come from.
COLUMN_OF = {
    "organization": "org_name", "number": "base_no", "form_detail": "form", "host_agency": "form",
    "joint_office": "name", "contractor": "contractor", "established_fy": "established",
    **{attribute: column for attribute, column, _widget in CELL_FIELDS},
    **{column: column for column, _label in COLUMNS},
}
RELATED_FIELDS = ("organization", "contractor", "host_agency", "joint_office")
PENDING_RELATED = ("contractor", "host_agency", "joint_office")  # what an import may be about to create
CITIES_LABEL = LABELS["cities"]
COUNTRIES = Base._meta.get_field("countries")
COUNTRY_CODES = frozenset(str(code) for code, _name in COUNTRIES.choices)
# The fields of a base whose checks depend on the value alone (not relations, not the list of countries).
VALUE_CHECKED_FIELDS = tuple(f.attname for f in Base._meta.concrete_fields
                             if not f.is_relation and not f.primary_key and f is not COUNTRIES)


@dataclass
class SurveyPlan(SheetPlan):
    """What importing the sheet would do; ``outcome`` is what the preview shows."""

    new_bases: list = field(default_factory=list)
    changed_bases: list = field(default_factory=list)
    new_contractors: list = field(default_factory=list)
    new_joint_offices: list = field(default_factory=list)
    # (base, review state): the import's verdict on every base of the sheet's organizations, for the round.
    verdicts: list = field(default_factory=list)

    @property
    def verdict_base_ids(self):
        """The existing bases this import gives a round verdict: a round the import opens leaves their lines to it
        (each round record written once)."""
        return {base.pk for base, _state in self.verdicts if base.pk is not None}

    @property
    def writes_anything(self):
        return bool(self.new_bases or self.changed_bases or self.new_contractors or self.new_joint_offices
                    or self.outcome.round_writes)


def column_label(key):
    return short_label(LABELS[COLUMN_OF.get(key, key)]) if COLUMN_OF.get(key, key) in LABELS else "-"


class SurveyPlanner:
    def __init__(self, session):
        self.session = session
        self.outcome = SurveyOutcome()
        self.plan = SurveyPlan(outcome=self.outcome, session=session)
        self.organizations = OrganizationIndex()
        self.allowed = organization_ids_in_scope(session.user, "change") if session.user else None
        self.pending_contractors = {}
        self.pending_offices = {}
        self.passed_values = set()  # (field, value) that passed the field's checks on an earlier row
        self.language = get_language()  # asked once: the preview is shown in one language

    # -- indexes (a constant number of queries) ------------------------------------------------

    def load_indexes(self, rows):
        organizations = {}
        for row in rows:
            try:
                organization = self.organizations.find(row["org_name"])
            except ValueProblem:
                continue
            organizations[organization.pk] = organization
        organization_ids = set(organizations)
        self.bases = {}
        self.active_by_organization = {}
        for base in Base.objects.filter(organization_id__in=organization_ids).select_related(
                "contractor", "host_agency", "joint_office"):
            base.organization = organizations[base.organization_id]  # the index's record, not a copy per base
            self.bases[(base.organization_id, base.number)] = base
            if base.status == BaseStatus.ACTIVE:
                self.active_by_organization.setdefault(base.organization_id, []).append(base)
        names = {row["contractor"] for row in rows if row["contractor"]}
        names |= {parse_form_cell_quietly(row["form"]) for row in rows} - {""}
        keys = {match_key(name) for name in names}
        self.contractors = {c.match_key: c for c in Contractor.objects.filter(match_key__in=keys)}
        self.joint_offices = {o.match_key: o for o in JointOffice.objects.filter(
            match_key__in={match_key(name) for name in self.joint_office_names.values()})}
        survey_round = self.session.survey_round()
        self.round_records, self.clerk_answers = {}, {}
        if survey_round is not None:
            self.round_records = {r.base_id: r for r in BaseRoundRecord.objects.filter(
                survey_round=survey_round, base__organization_id__in=organization_ids)}
            self.clerk_answers = clerk_answers(survey_round, self.round_records.values())

    # -- whole-sheet checks ----------------------------------------------------------------------

    def find_duplicates(self, rows):
        first_row, duplicates = {}, {}
        for row in rows:
            key = (row["org_name"], str(row["base_no"]))
            if key in first_row:
                duplicates[row[ROW_COLUMN]] = first_row[key]
            else:
                first_row[key] = row[ROW_COLUMN]
        return duplicates

    def find_joint_offices(self, rows):
        """Rows of several organizations naming the same own office in the same place are one joint office."""
        groups = {}
        for row in rows:
            name = row["name"]
            if name and str(row["form"])[:1].lower() in ("a", "d"):
                key = (match_key(name), row["countries"], row["cities"])
                groups.setdefault(key, {"name": name, "organizations": set()})["organizations"].add(row["org_name"])
        return {key: group["name"] for key, group in groups.items() if len(group["organizations"]) > 1}

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
            number = str(row["org_no"] or "")
            if number:
                names_by_number.setdefault(number, {}).setdefault(row["org_name"], row[ROW_COLUMN])
        for number, names in names_by_number.items():
            if len(names) > 1:
                listed = "、".join(_("%(name)s (row %(row)s)") % {"name": name, "row": row} for name, row in names.items())
                self.outcome.warnings.append(
                    _("団体No %(number)s is given to %(names)s: it is only a hint, the organizations stay separate.")
                    % {"number": number, "names": listed}
                )

    # -- one row -----------------------------------------------------------------------------------

    def plan_rows(self, rows, progress=None):
        self.duplicates = self.find_duplicates(rows)
        self.joint_office_names = self.find_joint_offices(rows)
        self.check_organization_numbers(rows)
        self.load_indexes(rows)
        self.seen_base_ids, self.seen_organization_ids = set(), set()
        total = len(rows)
        for done, row in enumerate(rows, 1):
            self.plan_row(row)
            if progress is not None:
                progress(done, total)

    def plan_row(self, row):
        errors = {}
        values = {}
        by_label = {CITIES_LABEL: row["cities"]}  # what the countries widget reads besides its cell
        for attribute, column, widget in CELL_FIELDS:
            try:
                values[attribute] = widget.clean(row[column], row=by_label)
            except ValueProblem as problem:
                errors[attribute] = [str(problem)]
        organization = None
        try:
            organization = self.organizations.find(row["org_name"])
        except ValueProblem as problem:
            errors["organization"] = [str(problem)]
        number = values.get("number")
        if organization is not None and self.allowed is not None and organization.pk not in self.allowed:
            errors["organization"] = [_("you may not change the bases of %(organization)s")
                                      % {"organization": organization.name}]
        if "number" not in errors and number is None:
            errors["number"] = [_("the base number is missing")]
        if row[ROW_COLUMN] in self.duplicates:
            errors["number"] = [_("base number %(number)s is already used by row %(row)s of the same organization")
                                % {"number": row["base_no"], "row": self.duplicates[row[ROW_COLUMN]]}]
        for attribute in ("staff_dispatched", "staff_local"):
            if values.get(attribute, 0) is None:
                values[attribute] = 0
        self.check_total(row, values, errors)

        original = self.bases.get((organization.pk, number)) if organization is not None else None
        read = {attribute: value for attribute, value in values.items() if attribute != "number"}
        if original is None:
            base = Base(organization=organization, number=number, **read)
        else:
            base = copy_base(original)
            for attribute, value in read.items():
                setattr(base, attribute, value)
        if "contractor" not in errors:
            try:
                base.contractor = self.contractor(row["contractor"]) if row["contractor"] else None
            except ValueProblem as problem:
                errors["contractor"] = [str(problem)]
        self.apply_form_cell(base, row, errors)
        self.validate(base, errors)
        if errors:
            for key, messages in errors.items():
                for message in messages:
                    self.outcome.errors.append(Problem(row[ROW_COLUMN], column_label(key), message))
            return
        self.record_row(row, original, base)

    def check_total(self, row, values, errors):
        """計 = 派遣 + 現地, only when all three cells were read: an error quotes the file's own numbers."""
        try:
            total = parse_int_cell(row["staff_total"])
        except ValueError as error:
            errors["staff_total"] = [str(error)]
            return
        if total is None or "staff_dispatched" in errors or "staff_local" in errors:
            return
        if total != values["staff_dispatched"] + values["staff_local"]:
            errors["staff_total"] = [
                _("the total %(total)s is not dispatched %(dispatched)s + local %(local)s")
                % {"total": total, "dispatched": values["staff_dispatched"], "local": values["staff_local"]}
            ]

    def apply_form_cell(self, base, row, errors):
        try:
            cell = parse_form_cell(row["form"])
        except ValueProblem as problem:
            errors["form"] = [str(problem)]
            return
        base.form, base.form_detail = cell.letter, cell.detail
        try:
            base.host_agency = self.contractor(cell.host_name, hosting=True) if cell.host_name else None
        except ValueProblem as problem:
            errors["form"] = [str(problem)]
            return
        joint_name = self.joint_office_names.get((match_key(base.name), row["countries"], row["cities"]))
        if joint_name:
            base.joint_office = self.joint_office(joint_name, base)

    def contractor(self, name, hosting=False):
        key = match_key(name)
        found = self.contractors.get(key) or self.pending_contractors.get(key)
        if found is None:
            found = Contractor(name=name, kind=guess_contractor_kind(name, hosting=hosting), match_key=key)
            try:
                found.clean_fields(exclude=["match_key"])
            except ValidationError as error:
                raise ValueProblem(" ".join(error.messages)) from error
            self.pending_contractors[key] = found
            self.plan.new_contractors.append(found)
            self.outcome.created_contractors.append(found.name)
        return found

    def joint_office(self, name, base):
        key = match_key(name)
        office = self.joint_offices.get(key) or self.pending_offices.get(key)
        if office is None:
            countries, cities = COUNTRIES.codes(base), base.city_list
            office = JointOffice(name=name, match_key=key, country=countries[0] if countries else "",
                                 city=cities[0] if cities else "")
            self.pending_offices[key] = office
            self.plan.new_joint_offices.append(office)
        return office

    def validate(self, base, errors):
        """The model's own field checks (lengths, choices), on the cells that were read. A sheet repeats most of
        its cells: a value that passed its field's checks on an earlier row is not checked again."""
        exclude = {*errors, *RELATED_FIELDS, "number" if "number" in errors else ""}
        if "form" in errors:
            exclude |= {"form", "form_detail"}
        if "countries" not in errors and all(code in COUNTRY_CODES for code in COUNTRIES.codes(base)):
            exclude.add("countries")  # read through the country index: only an unknown code needs the slow check
        values = {name: getattr(base, name) for name in VALUE_CHECKED_FIELDS if name not in exclude}
        passed = {name for name, value in values.items() if (name, value) in self.passed_values}
        failed = ()
        try:
            base.clean_fields(exclude=exclude | passed)
            base.clean()
        except ValidationError as error:
            failed = error.message_dict
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
        self.passed_values |= {(name, value) for name, value in values.items()
                               if name not in passed and name not in failed}

    def record_row(self, row, original, base):
        label = f"{base.organization.name} #{base.number} {base.name}".strip()
        number = row[ROW_COLUMN]
        self.seen_organization_ids.add(base.organization_id)
        if original is None:
            self.plan.new_bases.append(base)
            self.outcome.new_rows.append(NewRow(number, label, key_facts(base, self.language)))
            review_state = ReviewState.NEW
        else:
            self.seen_base_ids.add(original.pk)
            changes = field_changes(original, base)
            if changes and self.clerk_wins(number, label, original, changes):
                changes = []  # the clerk's answer in this round stands: the base keeps its values
            if changes:
                self.plan.changed_bases.append(base)
                self.outcome.updated_rows.append((number, label, changes))
                review_state = ReviewState.CHANGED
            else:
                self.outcome.unchanged_rows.append((number, label))
                review_state, base = ReviewState.UNCHANGED, original
        self.plan_round_record(base, review_state)

    def clerk_wins(self, number, label, original, changes):
        """The sheet changes a base its clerk already answered in this round: listed as a conflict, and the
        coordinator's choice decides (undecided, applying is refused for that row)."""
        answer = self.clerk_answers.get(original.pk)
        if answer is None:
            return False
        winner = self.session.conflict_winner(number)
        self.outcome.conflicts.append(Conflict(number, label, answer.get_review_state_display(), changes, winner))
        return winner == CLERK_WINS

    # -- the round -------------------------------------------------------------------------------

    def plan_round_record(self, base, review_state):
        if self.session.survey_date is not None:
            self.plan.verdicts.append((base, review_state))

    def plan_round_writes(self):
        """What the rounds service will write for the verdicts (asked without writing), for the preview."""
        if self.session.survey_date is None:
            return
        refusal = round_refusal(self.session.survey_date)
        if refusal:
            self.outcome.errors.append(Problem("-", "-", refusal))
            return
        survey_round = self.session.survey_round()
        existing = self.round_records
        if survey_round is None or not survey_round.is_open:
            self.outcome.round_writes.append(f"opens {self.session.survey_date:%Y-%m-%d}")
            survey_round, existing = survey_round or SurveyRound(reference_date=self.session.survey_date), {}
        states = {base.pk if base.pk is not None else id(base): state for base, state in self.plan.verdicts}
        created, updated, _fields = plan_records(survey_round, [base for base, _state in self.plan.verdicts],
                                                 existing, states=states)
        self.outcome.round_writes += sorted(
            f"{record.base.organization_id}#{record.base.number} {record.review_state}" for record in created + updated)

    def plan_missing(self):
        missing = [base for organization_id in self.seen_organization_ids
                   for base in self.active_by_organization.get(organization_id, ()) if base.pk not in self.seen_base_ids]
        for base in sorted(missing, key=lambda b: (b.organization.code, b.number)):
            self.outcome.missing.append(base)
            self.plan_round_record(base, ReviewState.CLOSING)

    def finish(self):
        outcome = self.outcome
        outcome.tally(self.session.notices)
        if outcome.errors:
            outcome.missing = []
            self.plan.new_bases, self.plan.changed_bases, self.plan.verdicts = [], [], []
            self.plan.new_contractors, self.plan.new_joint_offices = [], []
        else:
            self.plan_missing()
            self.plan_round_writes()
        return self.plan


def parse_form_cell_quietly(text):
    try:
        return parse_form_cell(text).host_name
    except ValueProblem:
        return ""


def copy_base(base):
    """An unsaved-looking copy of ``base`` to set the sheet's values on, keeping the original to compare."""
    copy = copy_record(base)
    for name in RELATED_FIELDS:
        related = getattr(base, name) if getattr(base, f"{name}_id") is not None else None
        if related is not None:
            setattr(copy, name, related)
    return copy


def field_changes(original, base):
    """[(label, old, new)] by the one diff module, naming related records from the rows already loaded;
    a contractor or joint office the import is about to create counts as a change to its name.

    A base that holds the very values of every field the diff compares has no change, and is not compared
    value by value (most rows of a sheet imported again)."""
    pending = [name for name in PENDING_RELATED if getattr(base, name) is not None and getattr(base, name).pk is None]
    if not pending and all(stored_value(original, f) == stored_value(base, f) for f in compared_fields()):
        return []
    related = RelatedObjects()
    for name in RELATED_FIELDS:
        for record in (getattr(original, name) if getattr(original, f"{name}_id") else None, getattr(base, name)):
            if record is not None and record.pk is not None:
                related.found.setdefault(type(record), {})[record.pk] = record
    changes = [(change.label, change.old, change.new)
               for change in diff_changes(Base, original, base, {}, {}, related)]
    for name in pending:
        label = capfirst(str(Base._meta.get_field(name).verbose_name))
        old = str(getattr(original, name) or "") if getattr(original, f"{name}_id") else ""
        changes = [change for change in changes if change[0] != label] + [(label, old, getattr(base, name).name)]
    return changes


@functools.cache
def compared_fields():
    """The fields of a base the diff compares, as held on the instance (relations as ids)."""
    return tuple(f for f in diff_fields(Base) if f.concrete)


def key_facts(base, language):
    """A new base's place, form and staff for the preview, in the active ``language``."""
    return _key_facts(tuple(COUNTRIES.codes(base)), base.cities, base.form, base.staff_dispatched + base.staff_local,
                      language)


@functools.lru_cache(maxsize=4096)
def _key_facts(codes, cities, form, total, language):
    """Once per language and distinct place, form and staff: a sheet's new bases repeat them."""
    place = " ".join(part for part in (country_names(codes), cities) if part)
    return _("%(place)s / form %(form)s / staff %(total)s") % {"place": place, "form": form, "total": total}


# -- the two steps -------------------------------------------------------------------------------

def plan_survey_rows(rows, session, title_date=None, source_description="", progress=None):
    """Plan the import of parsed sheet rows (dicts under the layout's keys plus ROW_COLUMN). No writes.

    ``progress(done, total)``, if given, is called after each row."""
    planner = SurveyPlanner(session)
    planner.outcome.source_description = source_description
    planner.check_title_date(title_date)
    planner.plan_rows(rows, progress)
    return planner.finish()


def sheet_rows(sheet):
    return [{ROW_COLUMN: row.number, **row.values} for row in sheet.rows]


def plan_survey(content, file_name, session, progress=None):
    """Read the file and plan its import (no writes at all, not even rolled-back ones)."""
    sheet = parse_survey_table(read_table(content, file_name))
    session.take_file(sheet.table, sheet.notices)
    return plan_survey_rows(sheet_rows(sheet), session, sheet.reference_date, sheet.table.description, progress)


def apply_survey_plan(plan, expected_fingerprint=None, progress=None):
    """Write the plan in one transaction; refuses if it differs from the previewed one.

    ``progress(done, total)``, if given, counts the records written, a batch at a time."""
    return apply_plan(plan, write_survey_plan, expected_fingerprint, refuse=refuse_undecided, progress=progress)


def refuse_undecided(plan):
    """Bases the clerk answered that the sheet changes, with no side chosen: applying is refused for them."""
    outcome = plan.outcome
    undecided = [conflict for conflict in outcome.conflicts if conflict.winner not in (SHEET_WINS, CLERK_WINS)]
    if undecided:
        outcome.errors += [Problem(c.row, "-", _("the clerk already answered this base in this round (%(state)s) and "
                                                 "the sheet differs: choose which side wins") % {"state": c.answer})
                           for c in undecided]
        outcome.missing = []
    return bool(undecided)


def write_survey_plan(plan, progress=None):
    report = written_counter(progress, sum(map(len, (
        plan.new_contractors, plan.new_joint_offices, plan.new_bases, plan.changed_bases, plan.verdicts))))
    write_in_bulk(Contractor, plan.new_contractors, report=report)
    write_in_bulk(JointOffice, plan.new_joint_offices, report=report)
    write_in_bulk(Base, plan.new_bases, report=report)
    write_in_bulk(Base, updated=plan.changed_bases, fields=WRITTEN_FIELDS, report=report)
    follow_in_rounds(plan)
    report(len(plan.verdicts))


def follow_in_rounds(plan):
    """The rounds service writes the import's verdicts in its round. (The latest open round, if another one,
    followed the bases as they were written: registry/survey/signals.py.)"""
    survey_round = plan.session.survey_round()
    if survey_round is not None and plan.verdicts:
        record_bases(survey_round, [base for base, _state in plan.verdicts],
                     states={base.pk: state for base, state in plan.verdicts},
                     created_ids=[base.pk for base in plan.new_bases])
