"""What an import found and did, in the terms a coordinator reads: new, updated, unchanged, missing, errors.

A background job stores its outcome as plain JSON data (``as_data`` / ``outcome_from_data``): exactly what the
preview page and the result message read, never the records themselves.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

NO_PLACE = "-"  # what stands for no row or no column in a problem


@dataclass
class Problem:
    row: object
    column: str
    message: str

    def __str__(self):
        """The command line's report line, naming only the places it has: ``row R, column C: message``,
        ``row R: message``, or the message alone."""
        if str(self.row) == NO_PLACE:
            return str(self.message)
        if str(self.column) == NO_PLACE:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"

    def located(self):
        """The message as a page shows it, in the reader's language, naming only the places it has:
        「5行目、「提携日」列：…」, 「5行目：…」, and the message alone when it is about no row."""
        values = {"row": self.row, "column": self.column, "message": self.message}
        if str(self.row) == NO_PLACE:
            return str(self.message)
        if str(self.column) == NO_PLACE:
            return _("row %(row)s: %(message)s") % values
        return _("row %(row)s, column %(column)s: %(message)s") % values


class RowNotice(str):
    """A warning about one file row. As text it is the command line's ``row R: message``; a page shows
    ``located()`` (「205行目：…」), as it does for errors."""

    def __new__(cls, row, message):
        problem = Problem(row, NO_PLACE, message)
        notice = super().__new__(cls, str(problem))
        notice.problem = problem
        return notice

    def located(self):
        return self.problem.located()


def shown(notice):
    """A notice as a page shows it: located if it is about a row, as it is otherwise."""
    return notice.located() if isinstance(notice, RowNotice) else str(notice)


def plain_notice(notice):
    """A notice as JSON keeps it: [row, message] for a row's notice, the text for others."""
    return [plain_row(notice.problem.row), str(notice.problem.message)] if isinstance(notice, RowNotice) else str(notice)


def read_notice(data):
    return RowNotice(*data) if isinstance(data, list) else data


class NewRow(tuple):
    """(file row, label) of a new record, with its key facts (e.g. a base's country, form, staff) for the preview."""

    def __new__(cls, row, label, facts=""):
        item = super().__new__(cls, (row, label))
        item.facts = facts
        return item


def plain_row(row):
    """A file row number as JSON keeps it: a number, or the text standing for no row (「-」)."""
    return row if isinstance(row, int) else str(row)


def plain_changes(changes):
    return [[str(label), str(old), str(new)] for label, old, new in changes]


def read_changes(data):
    return [tuple(change) for change in data]


# How many errors an outcome lists (in row order); the others are counted.
ERRORS_LISTED = 200


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
    more_errors: int = 0  # errors found past the first ERRORS_LISTED, counted, not kept

    @property
    def counts(self):
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "errors": len(self.errors) + self.more_errors}

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

    def save_counts(self, import_record):
        self.import_record = import_record
        if import_record is not None:
            import_record.counts = self.counts
            import_record.warnings = self.shown_warnings()
            import_record.save(update_fields=["counts", "warnings"])

    def report_lines(self):
        lines = self.error_lines(Problem.__str__)
        lines += [f"warning: {warning}" for warning in self.warnings + self.notices]
        return lines

    def shown_warnings(self):
        """The warnings and the reader's notices as a page shows them, in the reader's language."""
        return [shown(warning) for warning in self.warnings + self.notices]

    def error_lines(self, place=Problem.located):
        """Each error kept, then how many more there were (「ほか N 件のエラー」); a page names each error's place
        in the reader's language, the command line with ``Problem.__str__``."""
        lines = [place(problem) for problem in self.errors]
        if self.more_errors:
            lines.append(_("and %(count)s more errors") % {"count": f"{self.more_errors:,}"})
        return lines

    # -- as a background job stores it (ImportJob.outcome) ------------------------------------------------

    data_type = "import"

    def as_data(self):
        """The outcome as JSON data::

            {"type": "import" | "survey", "source_description": str, "new": int, "updated": int, "unchanged": int,
             "errors": [[row, column, message]] (the first ERRORS_LISTED), "more_errors": int,
             "warnings": [str], "notices": [str],
             "new_rows": [[row, label, facts]], "updated_rows": [[row, label, [[field, before, after]]]],
             "unchanged_rows": [[row, label]], "import_record": id or null}

        where a row is the file's row number (or 「-」) and every other value is the text the page shows.
        A survey adds its own parts (``SurveyOutcome.as_data``).
        """
        return {
            "type": self.data_type, "source_description": str(self.source_description),
            "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
            "errors": [[plain_row(p.row), str(p.column), str(p.message)] for p in self.errors],
            "more_errors": self.more_errors,
            "warnings": [str(warning) for warning in self.warnings],
            "notices": [plain_notice(notice) for notice in self.notices],
            "new_rows": [[plain_row(row[0]), str(row[1]), str(getattr(row, "facts", ""))] for row in self.new_rows],
            "updated_rows": [[plain_row(row), str(label), plain_changes(changes)]
                             for row, label, changes in self.updated_rows],
            "unchanged_rows": [[plain_row(row), str(label)] for row, label in self.unchanged_rows],
            "import_record": self.import_record.pk if self.import_record is not None else None,
        }

    @classmethod
    def from_data(cls, data):
        from registry.models import ImportRecord

        record_id = data["import_record"]
        return cls(
            source_description=data["source_description"],
            new=data["new"], updated=data["updated"], unchanged=data["unchanged"],
            errors=[Problem(*problem) for problem in data["errors"]], more_errors=data.get("more_errors", 0),
            warnings=list(data["warnings"]), notices=[read_notice(notice) for notice in data["notices"]],
            new_rows=[NewRow(*row) for row in data["new_rows"]],
            updated_rows=[(row, label, read_changes(changes)) for row, label, changes in data["updated_rows"]],
            unchanged_rows=[tuple(row) for row in data["unchanged_rows"]],
            import_record=ImportRecord.objects.filter(pk=record_id).first() if record_id is not None else None,
        )

    def tally(self, notices=()):
        """A planner's last step: the counts of the rows listed, the reader's notices, the errors in row order."""
        self.new, self.updated = len(self.new_rows), len(self.updated_rows)
        self.unchanged = len(self.unchanged_rows)
        self.notices = list(notices)
        self.errors.sort(key=lambda problem: problem.row if isinstance(problem.row, int) else 0)
        if len(self.errors) > ERRORS_LISTED:  # a page, a job's row and a terminal list the first ones, then a count
            self.more_errors += len(self.errors) - ERRORS_LISTED
            del self.errors[ERRORS_LISTED:]


@dataclass
class Conflict:
    """A base the sheet changes that its clerk already answered in the open round."""

    row: object  # the file row
    label: str  # the base as the preview names it
    answer: str  # the clerk's answer (the round record's review state, as shown)
    changes: list  # (field, the clerk's value, the sheet's value)
    winner: str = ""  # "sheet", "clerk", or "" while the coordinator has not chosen

    def as_data(self):
        return [plain_row(self.row), str(self.label), str(self.answer), plain_changes(self.changes), str(self.winner)]

    @classmethod
    def from_data(cls, data):
        row, label, answer, changes, winner = data
        return cls(row, label, answer, read_changes(changes), winner)


@dataclass
class SurveyOutcome(ImportOutcome):
    """A survey round's import also reports the bases its organizations did not report."""

    missing: list = field(default_factory=list)
    created_contractors: list = field(default_factory=list)
    round_writes: list = field(default_factory=list)  # what the round would record, e.g. 「12#3 changed」
    conflicts: list = field(default_factory=list)  # Conflict

    @property
    def counts(self):
        counts = super().counts
        return {**{k: v for k, v in counts.items() if k != "errors"}, "missing": len(self.missing),
                "errors": counts["errors"]}

    @property
    def would_change(self):
        return bool(super().would_change or self.missing or self.round_writes or self.created_contractors)

    data_type = "survey"

    def as_data(self):
        """The import's data, and: "missing": [the base as the page names it], "created_contractors": [name],
        "round_writes": [str], "conflicts": [[row, label, the clerk's answer, [[field, before, after]], winner]]."""
        return {
            **super().as_data(),
            "missing": [str(base) for base in self.missing],
            "created_contractors": [str(name) for name in self.created_contractors],
            "round_writes": [str(write) for write in self.round_writes],
            "conflicts": [conflict.as_data() for conflict in self.conflicts],
        }

    @classmethod
    def from_data(cls, data):
        outcome = super().from_data(data)
        outcome.missing = list(data["missing"])
        outcome.created_contractors = list(data["created_contractors"])
        outcome.round_writes = list(data["round_writes"])
        outcome.conflicts = [Conflict.from_data(conflict) for conflict in data["conflicts"]]
        return outcome


def outcome_from_data(data):
    """The outcome ``as_data`` gave (None stays None)."""
    if data is None:
        return None
    return {kind.data_type: kind for kind in (ImportOutcome, SurveyOutcome)}[data["type"]].from_data(data)
