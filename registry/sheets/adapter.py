"""django-import-export's side of a sheet import: its admin views hand the dataset over, the engine plans and
applies (``registry/sheets/engine.py``), and the result is told back in the terms the views read."""
from import_export import resources
from import_export.results import Error, Result, RowResult

from registry.sheets.engine import ImportBusy, PreviewOutdated, apply_previewed, import_lock
from registry.sheets.outcome import NO_PLACE, Problem


class PlannedImportResource(resources.ModelResource):
    """A resource that only adapts: a subclass says how to plan a dataset (``plan_dataset``) and apply the plan
    (``apply``); no rule and no write lives in import-export's hooks."""

    def __init__(self, session=None, expected=None, **kwargs):
        super().__init__(**kwargs)
        self.session = session or self.new_session()
        self.expected = expected  # (file hash, plan digest) of the preview the confirm step applies
        self.plan = None

    def new_session(self):
        raise NotImplementedError

    def plan_dataset(self, dataset):
        raise NotImplementedError

    def apply(self, plan, expected_fingerprint):
        raise NotImplementedError

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        self.session.take(dataset, kwargs.get("user"), kwargs.get("file_name"))
        if dry_run:
            self.plan = self.plan_dataset(dataset)
            return engine_result(self.plan.outcome, self.session)
        try:
            with import_lock(self.session.user_name):  # no other import writes between this plan and its apply
                self.plan = self.plan_dataset(dataset)
                apply_previewed(self.apply, self.plan, self.expected)
        except (ImportBusy, PreviewOutdated) as refusal:
            if self.plan is None:  # another import holds the lock: the page still shows what the file holds
                self.plan = self.plan_dataset(dataset)
            self.plan.outcome.errors.append(Problem(NO_PLACE, NO_PLACE, str(refusal)))
        return engine_result(self.plan.outcome, self.session)


def engine_result(outcome, session):
    """What django-import-export's admin views read: the totals, an error flag, and our outcome."""
    result = Result()
    result.totals[RowResult.IMPORT_TYPE_NEW] = outcome.new
    result.totals[RowResult.IMPORT_TYPE_UPDATE] = outcome.updated
    result.totals[RowResult.IMPORT_TYPE_SKIP] = outcome.unchanged
    if outcome.errors:
        result.base_errors.append(Error(ValueError(outcome.errors[0].located())))
    result.outcome = outcome
    result.sha256 = getattr(session, "sha256", "")
    return result
