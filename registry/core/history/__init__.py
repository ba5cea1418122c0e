"""Change history: who changed what, when, why, and as part of which action.

* ``context``  — the action in progress (``change_context``) and the per-request middleware;
* ``tracking`` — the historical tables (``TrackedHistory``) and the signal that fills our columns;
* ``restore``  — putting a record back to one of its versions;
* ``diff``     — two versions of a record as labelled, displayed changes;
* ``log``      — the cross-table change log: which entries a user may read, paged newest first.

The names most modules need are importable from ``registry.core.history`` itself.
"""
from registry.core.history.context import (
    ChangeContext,
    ChangeGroupMiddleware,
    Source,
    change_context,
    current_context,
    is_loading_recorded_data,
    loading_recorded_data,
)
from registry.core.history.restore import NotRevertible, is_revertible, restore_version
from registry.core.history.tracking import TrackedHistory, bulk_history_options, tracked_m2m_fields, tracked_models, write_in_bulk

__all__ = [
    "ChangeContext",
    "ChangeGroupMiddleware",
    "NotRevertible",
    "Source",
    "TrackedHistory",
    "bulk_history_options",
    "write_in_bulk",
    "change_context",
    "current_context",
    "is_loading_recorded_data",
    "is_revertible",
    "loading_recorded_data",
    "restore_version",
    "tracked_m2m_fields",
    "tracked_models",
]
