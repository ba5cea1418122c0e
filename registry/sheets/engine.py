"""What every sheet import shares: plan without writing, then apply in bulk, under one lock, with history.

A sheet's planner reads the file, resolves every name against in-memory indexes and returns a plan
(an outcome to show, plus the records to create and update). Applying it writes in one transaction,
in batches, through simple-history's bulk API so each history row carries the same who / when / why /
route / import record / change group as a one-by-one save would.
"""
import hashlib
import threading
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.core.history import Source, change_context
from registry.core.locks import ProcessLock
from registry.models import ImportLock
from registry.models.fields import stored_value

# The name of the import lock (registry/core/locks.py)
LOCK_NAME = "registry-import"


OUTDATED = gettext_lazy("The file or the registry changed after the preview: nothing was imported. Preview the file again.")


class ImportBusy(Exception):
    """Another import is being applied; the user is told so and nothing is written."""


class PreviewOutdated(Exception):
    """The file or the data changed since the preview: the previewed plan no longer holds."""


class import_lock:  # noqa: N801 - used as a context manager
    """One import at a time: a second one is told 「取込中です」 (import in progress) instead of failing half way.

    Taken around an apply's planning and writing together, so what the plan read cannot be changed by another
    import before it is written; taking it again inside (``apply_plan``) is a no-op for the holder's thread.
    The lock itself cannot outlive its holder (``registry.core.locks``: released by the database or the system when
    the process ends, however it ends); the ``ImportLock`` row only says who took it and when, for the message.
    """

    held = threading.local()

    def __init__(self, user_name=""):
        self.user_name = user_name

    def __enter__(self):
        depth = getattr(self.held, "depth", 0)
        if depth:
            self.held.depth = depth + 1
            return self
        self.acquire()
        self.held.depth = 1
        return self

    def __exit__(self, *exc):
        self.held.depth -= 1
        if not self.held.depth:
            try:  # the note of who holds it may fail to go (a busy database): the lock itself goes regardless
                ImportLock.objects.filter(name=ImportLock.NAME).delete()
            finally:
                self.held.lock.release()

    def acquire(self):
        lock = ProcessLock(LOCK_NAME)
        if not lock.acquire():
            holder = ImportLock.objects.filter(name=ImportLock.NAME).first()
            if holder is None:
                raise ImportBusy(_("Import in progress. Try again when it has finished."))
            raise ImportBusy(
                _("Import in progress: %(user)s started an import at %(time)s. Try again when it has finished.")
                % {"user": holder.user_name or "-", "time": timezone.localtime(holder.acquired_at).strftime("%H:%M")}
            )
        try:
            ImportLock.objects.update_or_create(  # a row a dead holder left is simply overwritten
                name=ImportLock.NAME, defaults={"user_name": self.user_name, "acquired_at": timezone.now()})
        except BaseException:
            lock.release()
            raise
        self.held.lock = lock


@dataclass
class SheetPlan:
    """What importing a sheet would do: ``outcome`` is what the preview shows, ``session`` who imports what file.
    Each sheet's plan adds the records to write and says whether it ``writes_anything``."""

    outcome: object
    session: object


def copy_record(record):
    """An unsaved-looking copy of ``record`` to set the sheet's values on, keeping the original to compare."""
    copy = type(record)(*[stored_value(record, f) for f in record._meta.concrete_fields])  # in field order, as loaded
    copy._state.adding, copy._state.db = False, record._state.db
    return copy


def plan_fingerprint(outcome):
    """A digest of everything a preview showed: the same file over the same data gives the same digest.

    Which side wins a conflict (the coordinator chooses it on the confirm step) does not change it: a row
    the clerk's answer keeps counts as the update the sheet proposed.
    """
    kept = {conflict.row: conflict for conflict in getattr(outcome, "conflicts", ())}
    updated = [(row, label, [tuple(change) for change in changes]) for row, label, changes in outcome.updated_rows]
    updated += [(c.row, c.label, [tuple(change) for change in c.changes]) for c in kept.values() if c.winner == "clerk"]
    parts = (
        [tuple(row) for row in outcome.new_rows],
        sorted(updated),
        [tuple(row) for row in outcome.unchanged_rows if row[0] not in kept],
        [(c.row, c.label, c.answer) for c in kept.values()],
        [str(base) for base in getattr(outcome, "missing", [])],
        getattr(outcome, "created_contractors", []),
        len(outcome.errors),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def apply_plan(plan, write, expected_fingerprint=None, refuse=None, progress=None):
    """Apply a sheet's plan: nothing if it has errors; ``PreviewOutdated`` if it is not the plan previewed
    (``expected_fingerprint``); otherwise, under the import lock, in one transaction and one change group
    attributed to the session's user, the import record first, then ``write(plan, progress)``.

    ``refuse(plan)`` may add errors the apply step alone finds (the plan is then left unwritten);
    ``progress(done, total)`` is passed on to ``write``. Returns the plan's outcome.
    """
    session, outcome = plan.session, plan.outcome
    if outcome.errors:
        return outcome
    if expected_fingerprint is not None and plan_fingerprint(outcome) != expected_fingerprint:
        raise PreviewOutdated(OUTDATED)
    if refuse is not None and refuse(plan):
        return outcome
    if not plan.writes_anything:
        return outcome
    with import_lock(session.user_name), transaction.atomic(), change_context(
            source=Source.IMPORT, user=session.user, actor_name=f"import: {session.user_name}"):
        session.ensure_record(leave_out=getattr(plan, "verdict_base_ids", ()))  # the survey's verdicts
        write(plan, progress)
        outcome.save_counts(session.record)
    return outcome


def run_import(session, plan_file, apply, content, *, dry_run=False, expected=None, progress=None):
    """Preview (dry_run: plan only, nothing written) or apply one file with a sheet's planner and applier;
    returns the outcome.

    ``plan_file(content, file_name, session, progress)`` plans it; ``apply(plan, expected digest, progress)``
    writes it. ``expected`` is the (file hash, plan digest) of the preview being confirmed: if the file or the
    registry no longer give that plan, ``PreviewOutdated`` is raised and nothing is written. ``progress`` is a
    ``Progress``.
    """
    progress = progress or Progress()
    if dry_run:
        return plan_file(content, session.file_name, session, progress.phase("planning")).outcome
    with import_lock(session.user_name):  # no other import writes between this plan and its apply
        plan = plan_file(content, session.file_name, session, progress.phase("planning"))
        return apply_previewed(apply, plan, expected, progress.phase("writing"))


def apply_previewed(apply, plan, expected, *args):
    """``apply(plan, plan digest, *args)`` if the file is the one previewed; ``expected``: the preview's
    (file hash, plan digest), or None when nothing was previewed (the command line without --confirm)."""
    if expected is not None and expected[0] != plan.session.sha256:
        raise PreviewOutdated(OUTDATED)
    return apply(plan, expected[1] if expected else None, *args)


def preview_job(session, plan_file, content, progress):
    """A background job's preview step: the outcome the preview shows and the file's hash."""
    return run_import(session, plan_file, None, content, dry_run=True, progress=progress), session.sha256


class Progress:
    """Where a long import says how far it got. ``phase(name)`` gives the ``progress(done, total)`` callback
    the planners and appliers call for that phase ("planning" a row at a time, "writing" a batch at a time).

    This one reports nowhere; the background job (sheets/jobs.py) stores it for the page to poll, the
    import commands draw a bar on a terminal.
    """

    def phase(self, name):
        return None


def written_counter(progress, total):
    """``report(count)`` after each batch written: calls ``progress(done so far, total)`` (from 0 before any)."""
    done = 0

    def report(count):
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    report(0)
    return report
