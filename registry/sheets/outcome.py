"""What an import found and did, in the terms a coordinator reads: new, updated, unchanged, missing, errors."""
from dataclasses import dataclass, field

from import_export.results import RowResult


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
    def would_change(self):
        """Applying this would write something (the preview offers 取り込む only then)."""
        return bool(self.new or self.updated)

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

    def tally(self, notices=()):
        """A planner's last step: the counts of the rows listed, the reader's notices, the errors in row order."""
        self.new, self.updated = len(self.new_rows), len(self.updated_rows)
        self.unchanged = len(self.unchanged_rows)
        self.notices = list(notices)
        self.errors.sort(key=lambda problem: problem.row if isinstance(problem.row, int) else 0)


@dataclass
class SurveyOutcome(ImportOutcome):
    """A survey round's import also reports the bases its organizations did not report."""

    missing: list = field(default_factory=list)
    created_contractors: list = field(default_factory=list)
    round_writes: list = field(default_factory=list)  # what the round would record, e.g. 「12#3 changed」
    # (row, base, the clerk's answer, changes, which side wins: "sheet", "clerk" or "" undecided)
    conflicts: list = field(default_factory=list)

    @property
    def counts(self):
        counts = super().counts
        return {**{k: v for k, v in counts.items() if k != "errors"}, "missing": len(self.missing),
                "errors": counts["errors"]}

    @property
    def would_change(self):
        return bool(super().would_change or self.missing or self.round_writes or self.created_contractors)

    def finish(self, result, resource):
        super().finish(result, resource)
        if self.errors:
            self.missing = []
