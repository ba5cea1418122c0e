"""The contractor list (委託先): its export columns, and its import in the engine's two steps.

``plan_contractors`` reads the file (xlsx, csv or tsv in any encoding the reader knows), finds every row's
contractor by its id or its name among the records loaded by one query, checks every cell and compares field
by field — no writes at all. ``apply_contractor_plan`` writes the plan in one transaction with bulk history.
A row with an id updates that contractor (its name included); a row without one updates the contractor of
that name, or creates it. A column the file lacks is left as it is.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from registry.core.downloads import Column
from registry.core.history import write_in_bulk
from registry.core.history.diff import RelatedObjects, field_changes
from registry.models import Contractor, ImportRecord
from registry.parsing.countries import UnknownCountry, require_country_code
from registry.parsing.text import label_key, match_key, normalize_cell, plain_text
from registry.sheets.adapter import PlannedImportResource
from registry.sheets.engine import SheetPlan, apply_plan, copy_record, preview_job, run_import, written_counter
from registry.sheets.formats import SheetFormat
from registry.sheets.outcome import ImportOutcome, Problem
from registry.sheets.reader import ROW_COLUMN, SheetLayoutError, header_columns, headings, no_data_rows_error, read_table
from registry.sheets.session import ImportSession
from registry.sheets.values import guess_contractor_kind

# The columns, under the names the admin's export writes them, and the Japanese headings a list may use.
COLUMNS = (
    Column("id", "id", other_labels=("ID", "番号")),
    Column("name", "name", other_labels=("名称", "委託先", "委託先名", "派遣先", "名前")),
    Column("kind", "kind", other_labels=("種別", "種類")),
    Column("country", "country", other_labels=("国・地域", "国", "国名")),
    Column("notes", "notes", other_labels=("備考",)),
)
FIELDS = ("name", "kind", "country", "notes")
KEY_BY_LABEL = headings(COLUMNS)


class ContractorResource(PlannedImportResource):
    """The admin's adapter: the export's columns, and an import that hands the rows to the engine."""

    class Meta:
        model = Contractor
        fields = ("id", "name", "kind", "country", "notes")

    def new_session(self):
        return contractor_session(None, "")

    def plan_dataset(self, dataset):
        return plan_contractor_rows(dataset.sheet_rows, dataset.sheet_labels, self.session,
                                    getattr(dataset, "table_description", ""))

    def apply(self, plan, expected_fingerprint):
        apply_contractor_plan(plan, expected_fingerprint)


class ContractorSheetFormat(SheetFormat):
    """Reads the contractor list through the project's reader (xlsx, csv/tsv in UTF-8 or CP932); imports only."""

    title = "委託先一覧 (xlsx / xls / ods / csv / tsv)"

    def can_export(self):
        return False

    def read_dataset(self, content):
        return read_contractor_dataset(content)


def read_contractor_dataset(content, file_name=""):
    """A tablib Dataset carrying the parsed rows and the file's facts (hash, encoding) for the session."""
    import tablib

    table = read_table(content, file_name)
    labels, rows = parse_contractor_table(table)
    dataset = tablib.Dataset(headers=[ROW_COLUMN, *(column.key for column in COLUMNS)])
    for row in rows:
        dataset.append([row[ROW_COLUMN], *(row.get(column.key, "") for column in COLUMNS)])
    dataset.sheet_rows, dataset.sheet_labels = rows, labels
    dataset.content_sha256, dataset.table_description = table.sha256, table.description
    dataset.encoding, dataset.delimiter = table.encoding, table.delimiter
    return dataset


def parse_contractor_table(table):
    """({column key: its heading in the file}, [{ROW_COLUMN: file row, key: cell}]); the header is the first row
    naming a name column."""
    mapping, rows, header = None, [], []
    for sheet_row in table.rows:
        if sheet_row.is_blank():
            continue
        if mapping is None:
            mapping, header = header_mapping(sheet_row.cells), sheet_row.cells
            continue  # rows above the header (a title) are not data
        rows.append({ROW_COLUMN: sheet_row.number, **{
            key: sheet_row.cells[index] if index < len(sheet_row.cells) else "" for index, key in mapping.items()}})
    if mapping is None:
        raise SheetLayoutError(_("No header row was found: the list needs a column %(name)s (or 名称).")
                               % {"name": "name"})
    if not rows:
        raise no_data_rows_error()
    return {key: normalize_cell(header[index]) for index, key in mapping.items()}, rows


def header_mapping(cells):
    mapping = header_columns(cells, KEY_BY_LABEL)
    return mapping if "name" in mapping.values() else None


def kind_index():
    """Every way a list names a kind: its code, its English and its Japanese label."""
    index = {}
    for language in ("en", "ja"):
        with translation.override(language):
            for value, label in Contractor.Kind.choices:
                index[label_key(value)] = index[label_key(str(label))] = value
    return index


@dataclass
class ContractorPlan(SheetPlan):
    """What importing the list would do; ``outcome`` is what the preview shows."""

    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    fields: tuple = ()  # the fields the file gives, written on every changed record

    @property
    def writes_anything(self):
        return bool(self.new or self.changed)


class ContractorPlanner:
    def __init__(self, session, labels):
        self.session = session
        self.present = self.labels = labels
        self.fields = tuple(name for name in FIELDS if name in labels)
        self.outcome = ImportOutcome()
        self.plan = ContractorPlan(outcome=self.outcome, session=session, fields=self.fields)
        self.kinds = kind_index()
        self.related = RelatedObjects()

    def load_indexes(self, rows):
        """The contractors the rows name, by id or by name: one query."""
        ids = {number for number in (parse_id(row.get("id")) for row in rows) if isinstance(number, int)}
        keys = {match_key(plain_text(row.get("name"))) for row in rows} - {""}
        found = list(Contractor.objects.filter(Q(pk__in=ids) | Q(match_key__in=keys)))
        self.by_id = {contractor.pk: contractor for contractor in found}
        self.by_key = {contractor.match_key: contractor for contractor in found}

    def plan_rows(self, rows, progress=None):
        self.load_indexes(rows)
        first_row_of_name, first_row_of_id = {}, {}
        self.row_of_record = {}  # contractor id → the row that updates it
        for done, row in enumerate(rows, 1):
            self.plan_row(row, first_row_of_name, first_row_of_id)
            if progress is not None:
                progress(done, len(rows))

    def plan_row(self, row, first_row_of_name, first_row_of_id):
        number, errors, values = row[ROW_COLUMN], [], {}
        name = plain_text(row.get("name"))
        key = match_key(name)
        if not name:
            errors.append(("name", _("the name is missing")))
        elif key in first_row_of_name:
            errors.append(("name", _("「%(name)s」 is also on row %(row)s: a contractor is listed once")
                           % {"name": name, "row": first_row_of_name[key]}))
        else:
            first_row_of_name[key] = number
            values["name"] = name
        original = self.find(row, key, errors, first_row_of_id)
        if original is not None:
            if original.pk in self.row_of_record:
                errors.append(("name", _("row %(row)s already updates this contractor (id %(id)s)")
                               % {"row": self.row_of_record[original.pk], "id": original.pk}))
            self.row_of_record.setdefault(original.pk, number)
        if "kind" in self.present:
            self.read_kind(row.get("kind"), name, original, values, errors)
        if "country" in self.present:
            try:
                cell = normalize_cell(row.get("country"))
                values["country"] = require_country_code(cell) if cell else ""
            except UnknownCountry as error:
                errors.append(("country", str(error)))
        if "notes" in self.present:
            values["notes"] = plain_text(row.get("notes"))
        contractor = copy_record(original) if original is not None else Contractor(kind=guess_contractor_kind(name))
        for attribute, value in values.items():
            setattr(contractor, attribute, value)
        contractor.match_key = match_key(contractor.name)
        self.validate(contractor, errors)
        if errors:
            self.outcome.errors += [Problem(number, self.labels.get(column, column), message)
                                    for column, message in errors]
        else:
            self.record_row(number, original, contractor)

    def find(self, row, key, errors, first_row_of_id):
        """The existing contractor of the row: by its id if the row gives one, else by its name."""
        number = parse_id(row.get("id"))
        if isinstance(number, str):
            errors.append(("id", _("「%(id)s」 is not a contractor id (a whole number)") % {"id": number}))
            return None
        if number is None:
            return self.by_key.get(key) if key else None
        if number in first_row_of_id:
            errors.append(("id", _("id %(id)s is also on row %(row)s") % {"id": number, "row": first_row_of_id[number]}))
            return None
        first_row_of_id[number] = row[ROW_COLUMN]
        found = self.by_id.get(number)
        if found is None:
            errors.append(("id", _("no contractor has the id %(id)s") % {"id": number}))
            return None
        namesake = self.by_key.get(key) if key else None
        if namesake is not None and namesake.pk != found.pk:
            errors.append(("name", _("「%(name)s」 is the name of another contractor (id %(other)s)")
                           % {"name": plain_text(row.get("name")), "other": namesake.pk}))
        return found

    def read_kind(self, cell, name, original, values, errors):
        text = normalize_cell(cell)
        if not text:
            return  # an existing contractor keeps its kind; a new one gets the one its name suggests
        kind = self.kinds.get(label_key(text))
        if kind is None:
            errors.append(("kind", _("「%(kind)s」 is not a kind: write one of %(kinds)s")
                           % {"kind": text, "kinds": "、".join(str(label) for _value, label in Contractor.Kind.choices)}))
        else:
            values["kind"] = kind

    def validate(self, contractor, errors):
        """The model's own field checks (lengths) on the cells that were read."""
        try:
            contractor.clean_fields(exclude=["match_key", "kind", "country", *(column for column, _m in errors)])
        except ValidationError as error:
            errors += [(column, message) for column, messages in error.message_dict.items() for message in messages]

    def record_row(self, number, original, contractor):
        if original is None:
            self.plan.new.append(contractor)
            facts = "、".join(filter(None, [contractor.get_kind_display(), str(contractor.country.name or "")]))
            self.outcome.new_rows.append((number, f"{contractor.name}（{facts}）"))
            return
        changes = [(change.label, change.old, change.new) for change in field_changes(
            Contractor, original, contractor, {}, {}, self.related, fields=self.fields)]
        label = f"{original.name} (id {original.pk})"
        if changes:
            self.plan.changed.append(contractor)
            self.outcome.updated_rows.append((number, label, changes))
        else:
            self.outcome.unchanged_rows.append((number, label))

    def finish(self):
        self.outcome.tally(self.session.notices)
        if self.outcome.errors:
            self.plan.new, self.plan.changed = [], []
        return self.plan


def parse_id(cell):
    """The id cell: None when blank, the number, or the cell's own text when it is not a whole number that an id
    can be (a bigint: more digits go to the database as an error of the driver, not a message)."""
    text = normalize_cell(cell)
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and int(text) < MAX_ID else text


MAX_ID = 2**63


# -- the two steps -------------------------------------------------------------------------------

def plan_contractor_rows(rows, labels, session, source_description="", progress=None):
    """Plan the import of parsed rows ({ROW_COLUMN: file row, column key: cell}; ``labels``: the file's heading
    of each column it has). No writes. ``progress(done, total)``, if given, is called after each row."""
    planner = ContractorPlanner(session, labels)
    planner.outcome.source_description = source_description
    planner.plan_rows(rows, progress)
    return planner.finish()


def plan_contractors(content, file_name, session, progress=None):
    """Read the file and plan its import (no writes at all, not even rolled-back ones)."""
    dataset = read_contractor_dataset(content, file_name)
    session.take(dataset)
    return plan_contractor_rows(dataset.sheet_rows, dataset.sheet_labels, session, dataset.table_description,
                                progress)


def write_contractor_plan(plan, progress=None):
    """New contractors, then the changed ones; ``progress(done, total)`` counts the records, a batch at a time."""
    report = written_counter(progress, len(plan.new) + len(plan.changed))
    write_in_bulk(Contractor, plan.new, report=report)
    write_in_bulk(Contractor, updated=plan.changed, fields=[*plan.fields, "match_key"], report=report)


def apply_contractor_plan(plan, expected_fingerprint=None, progress=None):
    """Write the plan in one transaction with bulk history; refuses if it differs from the previewed one."""
    return apply_plan(plan, write_contractor_plan, expected_fingerprint, progress=progress)


def contractor_session(user, file_name):
    return ImportSession(kind=ImportRecord.Kind.CONTRACTORS, user=user, file_name=file_name)


def import_contractor_file(content, file_name, *, user=None, dry_run=False, expected=None, progress=None):
    """Preview (dry_run: plan only) or apply one contractor list (``engine.run_import``); returns the ImportOutcome."""
    return run_import(contractor_session(user, file_name), plan_contractors, apply_contractor_plan, content,
                      dry_run=dry_run, expected=expected, progress=progress)


# -- the background job's two steps (registry/sheets/jobs.py) -------------------------------------------

def preview_upload(job, content, progress):
    """Plan the uploaded list; returns the outcome the preview shows and the file's hash."""
    return preview_job(contractor_session(job.user, job.file_name), plan_contractors, content, progress)


def apply_upload(job, content, progress):
    """Apply the uploaded list as previewed (the job's options hold the preview's file hash and digest)."""
    return import_contractor_file(content, job.file_name, user=job.user, expected=job.options["expected"],
                                  progress=progress)
