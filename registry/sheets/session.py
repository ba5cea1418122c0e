"""One run of an import: the round it is for, who runs it, and the record created on its first write."""
from dataclasses import dataclass, field

from registry.core.history import current_context
from registry.models import ImportRecord, SurveyRound


@dataclass
class ImportSession:
    survey_date: object = None
    user: object = None
    file_name: str = ""
    kind: str = ImportRecord.Kind.SURVEY
    encoding: str = ""
    delimiter: str = ""
    notices: list = field(default_factory=list)
    record: ImportRecord = None
    sha256: str = ""  # of the file as uploaded; the reader computes it
    _round: SurveyRound = None
    # Where the sheet and a clerk's answer disagree: "sheet" or "clerk" wins for every base, or per row
    # ({row number as text: "sheet" | "clerk"}, the admin's confirm step); a row left out is undecided.
    conflicts: object = ""

    def conflict_winner(self, row):
        if isinstance(self.conflicts, dict):
            return self.conflicts.get(str(row), "")
        return self.conflicts

    def take(self, dataset=None, user=None, file_name=""):
        """What the caller and the reader know: the user and file name if not set yet, the file's facts."""
        if user is not None and self.user is None:
            self.user = user
        if file_name and not self.file_name:
            self.file_name = file_name
        if dataset is not None:
            self.notices = list(getattr(dataset, "sheet_notices", []))
            self.sha256 = getattr(dataset, "content_sha256", "") or self.sha256
            self.encoding = self.encoding or getattr(dataset, "encoding", "")
            self.delimiter = self.delimiter or getattr(dataset, "delimiter", "")

    def take_file(self, table, notices):
        """The facts of the file as the reader read it (``reader.read_table``): its hash, encoding, delimiter and
        the reader's notices."""
        self.notices = list(notices)
        self.sha256 = table.sha256
        self.encoding = self.encoding or table.encoding
        self.delimiter = self.delimiter or table.delimiter

    @property
    def user_name(self):
        return self.user.get_username() if self.user else "command"

    def survey_round(self):
        """The round if it exists already; ``ensure_record`` creates it on the first write."""
        if self._round is None and self.survey_date is not None:
            self._round = SurveyRound.objects.filter(reference_date=self.survey_date).first()
        return self._round

    def ensure_record(self, leave_out=()):
        """Create the ImportRecord before the first write, and stamp later history rows with it.

        If the import opens its round, ``leave_out`` names the bases whose round lines the import writes itself
        (with its verdicts), so that opening does not write them first.
        """
        if self.record is not None:
            return self.record
        survey_round = self.survey_round()
        self.record = ImportRecord.objects.create(
            kind=self.kind,
            survey_round=survey_round,
            file_name=self.file_name,
            sha256=self.sha256,
            user=self.user,
            user_name=self.user_name,
            encoding=self.encoding,
            delimiter=self.delimiter,
        )
        context = current_context()
        if context is not None:
            context.import_record = self.record
            if not context.reason:
                context.reason = self.label
        if self.survey_date is not None and (survey_round is None or not survey_round.is_open):
            from registry.survey.lifecycle import open_round

            self._round = open_round(self.survey_date, user=self.user, leave_out=leave_out).survey_round
            self.record.survey_round = self._round
            self.record.save(update_fields=["survey_round"])
        return self.record

    @property
    def label(self):
        """The reason written on every change of this import, e.g. 「2019-09-30 調査の取込 #12」."""
        if self.survey_date is not None:
            return f"{self.survey_date:%Y-%m-%d} 調査の取込 #{self.record.pk}"
        return self.record.label


def round_refusal(survey_date):
    """Why a sheet cannot go into the round of this date (closed or published), or empty."""
    survey_round = SurveyRound.objects.filter(reference_date=survey_date).first() if survey_date else None
    if survey_round is None or not survey_round.is_frozen:
        return ""
    from registry.survey.records import RoundRefused, require_open

    try:
        require_open(survey_round)
    except RoundRefused as refusal:
        return str(refusal)
    return ""
