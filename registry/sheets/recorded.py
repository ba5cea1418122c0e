"""What every import resource of the registry shares: all or nothing, attributed, summarized."""
from import_export import resources

import dataclasses

from registry.history import Source, change_context
from registry.sheets.engine import OUTDATED, ImportBusy, import_lock, plan_fingerprint
from registry.sheets.outcome import Problem
from registry.sheets.reader import ROW_COLUMN


class RecordedImportResource(resources.ModelResource):
    """A ModelResource whose import runs in one transaction under the session's user.

    Subclasses set ``self.session`` (an ImportSession) and ``self.outcome`` (an ImportOutcome) and
    call ``outcome.finish(result, self)`` from ``after_import``; the admin and the commands read
    ``result.outcome``.
    """

    class Meta:
        # Re-importing a sheet writes nothing; rows keep their instance for the outcome; the model's
        # own validation runs on every row; the preview is ours, not import-export's HTML diff.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True
        use_transactions = True
        skip_html_diff = True

    def __init__(self, expected=None, **kwargs):
        super().__init__(**kwargs)
        self.expected = expected  # (file hash, plan digest) of the preview a confirm step applies

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        """All or nothing: any invalid row rolls the whole import back, whoever calls it."""
        self.session.take(user=kwargs.get("user"), file_name=kwargs.get("file_name"))
        if dry_run:
            return self.run(dataset, True, collect_failed_rows, **kwargs)
        expected = self.expected
        if expected is not None:  # the confirm step: the same file must still give the previewed plan
            probe = type(self)(session=dataclasses.replace(self.session, notices=[]))
            preview = probe.run(dataset, True, collect_failed_rows, **kwargs)
            if (probe.session.sha256, plan_fingerprint(preview.outcome)) != tuple(expected):
                return self.refuse(preview, OUTDATED)
        try:
            with import_lock(self.session.user_name):
                return self.run(dataset, False, collect_failed_rows, **kwargs)
        except ImportBusy as busy:
            return self.refuse(self.run(dataset, True, collect_failed_rows, **kwargs), busy)

    def run(self, dataset, dry_run, collect_failed_rows, **kwargs):
        with change_context(source=Source.IMPORT, user=self.session.user,
                            actor_name=f"import: {self.session.user_name}"):
            result = super().import_data(
                dataset, dry_run=dry_run, raise_errors=False, use_transactions=True,
                collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True, **kwargs
            )
        if not self.outcome.finished:
            self.outcome.finish(result, self)  # before_import failed, so after_import never ran
        result.outcome = self.outcome
        result.sha256 = self.session.sha256
        return result

    @staticmethod
    def refuse(result, reason):
        result.outcome.errors.append(Problem("-", "-", str(reason)))
        result.outcome.import_record = None
        return result

    def read_sheet_metadata(self, dataset):
        """How the reader found the file: kept on the import record and shown in the preview."""
        self.session.take(dataset)
        self.outcome.source_description = getattr(dataset, "table_description", "")
        self.row_numbers = list(dataset[ROW_COLUMN]) if len(dataset) else []
