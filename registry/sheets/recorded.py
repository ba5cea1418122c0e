"""What every import resource of the registry shares: all or nothing, attributed, summarized."""
from import_export import resources

from registry.history import Source, change_context

from .reader import ROW_COLUMN


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

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        """All or nothing: any invalid row rolls the whole import back, whoever calls it."""
        if kwargs.get("user") is not None and self.session.user is None:
            self.session.user = kwargs["user"]
        if kwargs.get("file_name") and not self.session.file_name:
            self.session.file_name = kwargs["file_name"]
        with change_context(source=Source.IMPORT, user=self.session.user,
                            actor_name=f"import: {self.session.user_name}"):
            result = super().import_data(
                dataset, dry_run=dry_run, raise_errors=False, use_transactions=True,
                collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True, **kwargs
            )
        if not self.outcome.finished:
            self.outcome.finish(result, self)  # before_import failed, so after_import never ran
        result.outcome = self.outcome
        return result

    def read_sheet_metadata(self, dataset):
        """How the reader found the file: kept on the import record and shown in the preview."""
        self.session.notices = list(getattr(dataset, "sheet_notices", []))
        self.session.sha256 = getattr(dataset, "content_sha256", "") or self.session.sha256
        self.session.encoding = self.session.encoding or getattr(dataset, "encoding", "")
        self.session.delimiter = self.session.delimiter or getattr(dataset, "delimiter", "")
        self.outcome.source_description = getattr(dataset, "table_description", "")
        self.row_numbers = list(dataset[ROW_COLUMN]) if len(dataset) else []
