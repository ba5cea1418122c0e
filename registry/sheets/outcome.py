"""What an import found and did, in the terms a coordinator reads: new, updated, unchanged, missing, errors."""
from dataclasses import dataclass, field

from import_export.results import RowResult

from registry.display import display_value

COMPARED_FIELDS = (
    "name", "countries", "cities", "form", "form_detail", "contractor_id", "host_agency_id", "joint_office_id",
    "established_fy", "department", "staff_dispatched", "staff_local", "reason", "activities", "url", "remarks",
)


def comparable(value):
    if isinstance(value, (list, tuple)):
        return [str(getattr(item, "code", item)) for item in value]
    return value


def describe_changes(before, after):
    """[(label, old display, new display)] for every compared field that differs."""
    changes = []
    for attname in COMPARED_FIELDS:
        old, new = getattr(before, attname), getattr(after, attname)
        if comparable(old) != comparable(new):
            field_name = attname.removesuffix("_id")
            model_field = type(after)._meta.get_field(field_name)
            old_value = getattr(before, field_name)
            new_value = getattr(after, field_name)
            changes.append((str(model_field.verbose_name), display_value(model_field, old_value),
                            display_value(model_field, new_value)))
    return changes


@dataclass
class Problem:
    row: object
    column: str
    message: str

    def __str__(self):
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportOutcome:
    """What an import found and did: new, updated and unchanged rows, warnings and errors."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    updated_rows: list = field(default_factory=list)
    new_rows: list = field(default_factory=list)
    unchanged_rows: list = field(default_factory=list)
    import_record: object = None
    source_description: str = ""
    finished: bool = False

    @property
    def counts(self):
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged, "errors": len(self.errors)}

    @property
    def summary_line(self):
        return " ".join(f"{name}={count}" for name, count in self.counts.items())

    @property
    def changed_anything(self):
        return self.import_record is not None

    def finish(self, result, resource):
        self.finished = True
        row_numbers = resource.row_numbers
        totals = result.totals
        self.new = totals.get(RowResult.IMPORT_TYPE_NEW, 0)
        self.updated = totals.get(RowResult.IMPORT_TYPE_UPDATE, 0)
        self.unchanged = totals.get(RowResult.IMPORT_TYPE_SKIP, 0)
        self.notices = list(resource.session.notices)
        self.import_record = resource.session.record
        columns = resource.column_labels()
        for invalid in result.invalid_rows:
            file_row = row_numbers[invalid.number - 1]
            for key, messages in invalid.error_dict.items():
                for message in messages:
                    self.errors.append(Problem(file_row, columns.get(key, "-"), message))
        for number, row_errors in result.row_errors():
            for error in row_errors:
                self.errors.append(Problem(row_numbers[number - 1], "-", str(error.error)))
        for error in result.base_errors:
            self.errors.append(Problem("-", "-", str(error.error)))
        if self.errors:
            self.import_record = None
        self.errors.sort(key=lambda p: (p.row if isinstance(p.row, int) else 0))

    def save_counts(self, import_record):
        self.import_record = import_record
        if import_record is not None:
            import_record.counts = self.counts
            import_record.warnings = [str(w) for w in self.warnings + self.notices]
            import_record.save(update_fields=["counts", "warnings"])

    def report_lines(self):
        lines = [str(problem) for problem in self.errors]
        lines += [f"warning: {warning}" for warning in self.warnings + self.notices]
        return lines


@dataclass
class SurveyOutcome(ImportOutcome):
    """A survey round's import also reports the bases its organizations did not report."""

    missing: list = field(default_factory=list)
    # (row, base, the clerk's answer, changes, which side wins: "sheet", "clerk" or "" undecided)
    conflicts: list = field(default_factory=list)

    @property
    def counts(self):
        counts = super().counts
        return {**{k: v for k, v in counts.items() if k != "errors"}, "missing": len(self.missing),
                "errors": counts["errors"]}

    def finish(self, result, resource):
        super().finish(result, resource)
        if self.errors:
            self.missing = []
