"""The only writer of ``BaseRoundRecord``: what a round reports for each base, and its review state.

Rules, in one place:

* a record is written only while its round is open (受付中); a closed or published round changes only
  through ``correct_record`` (lifecycle);
* while open, the record follows its base: every save of a base (admin edit, review step, revert,
  restore, bulk action) copies the base's row into the open round's record, and a change marks it
  変更あり (a base added during the round is 新規; a proposed closure stays proposed);
* many bases at once (opening a round, an import's apply step) go through ``record_bases``, which
  writes in bulk (``write_in_bulk``) so every record still gets its history entry.
"""
from typing import NamedTuple

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.core.history import current_context, write_in_bulk
from registry.models import Base, BaseRoundRecord, BaseStatus, ReviewState, SurveyRound
from registry.models.fields import stored_value

# What the round reports for a base (its figures), compared between rounds.
FIGURE_FIELDS = ("name", "countries", "cities", "form", "contractor_id", "established_fy",
                 "staff_dispatched", "staff_local", "status")
# The rest of the sheet's row, kept so the round can print its own sheet.
SHEET_FIELDS = ("form_detail", "department", "reason", "activities", "url", "remarks")
COPIED_FIELDS = FIGURE_FIELDS + SHEET_FIELDS
REVIEW_FIELDS = frozenset(["review_state", "proposed_closing_on", "proposed_closing_reason", "reviewed_at",
                           "reviewed_by"])
# States a later edit of the base does not overturn.
KEPT_ON_EDIT = (ReviewState.NEW, ReviewState.CLOSING)


class RoundRefused(Exception):
    """The round's state does not allow this step; the message says why (shown to the user, printed by commands)."""


def require_open(survey_round):
    if not survey_round.is_open:
        raise RoundRefused(
            _("%(round)s is %(status)s: its figures change only while it is open.")
            % {"round": survey_round, "status": survey_round.get_status_display()}
        )


def copied_value(instance, name):
    """The value of one of COPIED_FIELDS of a base or a record (the countries as the codes held)."""
    return stored_value(instance, instance._meta.get_field(name))


def copy_base(record, base):
    """Copy the base's row into the record; the names of the fields that differed."""
    changed = []
    for name in COPIED_FIELDS:
        value = copied_value(base, name)
        if copied_value(record, name) != value:
            setattr(record, name, value)
            changed.append(name.removesuffix("_id"))
    return changed


def differs(record, other):
    return any(copied_value(record, name) != copied_value(other, name) for name in COPIED_FIELDS)


def _actor():
    context = current_context()
    user = context.user if context is not None else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _write(created, updated, fields=REVIEW_FIELDS):
    """Save records in bulk (``write_in_bulk``): one history entry each, with who and why.

    Updates write only ``fields`` (those that changed), which keeps bulk UPDATEs small.
    """
    return write_in_bulk(BaseRoundRecord, created, updated, sorted(fields), batch_size=500)


def _stamp(record, activity=True):
    if activity:
        record.reviewed_at = timezone.now()
        record.reviewed_by = _actor()


def new_record(survey_round, base, state, stamp):
    """A round record of ``base`` with the base's row copied, in ``state``, with ``stamp`` (who acted and when,
    or nothing). One constructor call: an import builds thousands."""
    return BaseRoundRecord(survey_round=survey_round, base=base, review_state=state,
                           **{name: copied_value(base, name) for name in COPIED_FIELDS}, **stamp)


class NewRecord(NamedTuple):
    """A record ``plan_records`` would create, built only to be written (``build``): an import's preview names
    thousands of them and builds none."""

    base: Base
    review_state: str
    stamp: dict

    def build(self, survey_round):
        return new_record(survey_round, self.base, self.review_state, self.stamp)


def record_bases(survey_round, bases, *, states=None, created_ids=(), activity=True, before_write=None):
    """Bring the round's records of these bases in line with the bases, in bulk; returns how many were written.

    ``states`` (base id → ReviewState) sets a state explicitly (an import's verdict); otherwise a base
    without a record gets one (新規 if it was just created, else 未確認) and a changed base becomes 変更あり.
    Closed bases without a record are left out. ``activity`` stamps who acted and when; ``before_write`` is
    called once before anything is written (an import creates its record there).
    """
    require_open(survey_round)
    bases = list(bases)
    created = set(created_ids)
    known = [base.pk for base in bases if base.pk not in created]  # a base just created has no record yet
    existing = {
        record.base_id: record
        for record in BaseRoundRecord.objects.filter(survey_round=survey_round, base_id__in=known)
    } if known else {}
    to_create, to_update, fields = plan_records(survey_round, bases, existing, states=states,
                                                created_ids=created_ids, activity=activity)
    if before_write is not None and (to_create or to_update):
        before_write()
    return _write([planned.build(survey_round) for planned in to_create], to_update, fields)


def plan_records(survey_round, bases, existing, *, states=None, created_ids=(), activity=True):
    """The records ``record_bases`` would create (``NewRecord``s) and update (and the fields updated), given the
    round's ``existing`` records by base id.

    Writes nothing (an import's preview asks it what applying would do); the records to update carry the new
    values. ``states`` is keyed by base id, or by the base itself for bases not saved yet.
    """
    states = states or {}
    created_ids = set(created_ids)
    to_create, to_update = [], []
    fields = set(REVIEW_FIELDS)
    stamp = {"reviewed_at": timezone.now(), "reviewed_by": _actor()} if activity else {}
    for base in bases:
        record = existing.get(base.pk) if base.pk is not None else None
        state = states.get(base.pk) if base.pk is not None else states.get(id(base))
        if record is None:
            if base.status != BaseStatus.ACTIVE and state is None:
                continue
            state = state or (ReviewState.NEW if base.pk in created_ids else ReviewState.NOT_REVIEWED)
            to_create.append(NewRecord(base, state, stamp if state != ReviewState.NOT_REVIEWED else {}))
            continue
        changed = copy_base(record, base)
        fields.update(changed)
        if state is None or (not changed and not verdict_applies(record, state)):
            state = record.review_state
            if changed and state not in KEPT_ON_EDIT:
                state = state_with_these_figures(record) or ReviewState.CHANGED
        if not changed and state == record.review_state:
            continue
        if state != ReviewState.CLOSING:
            record.proposed_closing_on, record.proposed_closing_reason = None, ""
        record.review_state = state
        _stamp(record, activity)
        to_update.append(record)
    return to_create, to_update, fields


def state_with_these_figures(record):
    """The state the record had when it last carried the figures it now has again (an edit undone, a revert to
    the round's own version), or None if it never did: figures back where they were are not 変更あり."""
    entries = BaseRoundRecord.history.filter(id=record.pk).order_by("-history_date", "-history_id")
    for entry in entries.iterator():
        if not differs(entry, record):
            return entry.review_state
    return None


def following_round():
    """The round whose records follow the bases: the latest open one (an earlier round still open keeps its figures)."""
    return SurveyRound.objects.open().order_by("-reference_date").first()


def verdict_applies(record, state):
    """An import's verdict on a base whose figures it did not change: 変更なし only settles a 未確認 line
    (whatever the clerk already said stands); 廃止予定 replaces anything but an earlier proposal."""
    if state == ReviewState.UNCHANGED:
        return record.review_state == ReviewState.NOT_REVIEWED
    return state != record.review_state


def follow_base(base, created=False):
    """After a base is saved: the open round's record follows it (the one hook of every single-base write).

    What that means for the people in the round (回答完了 reopened, the clerks told of a revert) is
    ``lifecycle.after_base_followed``.
    """
    survey_round = following_round()
    if survey_round is None:
        return
    before = BaseRoundRecord.objects.filter(survey_round=survey_round, base=base).values_list(
        "review_state", flat=True).first()
    if record_bases(survey_round, [base], created_ids=[base.pk] if created else ()):
        from registry.survey.lifecycle import after_base_followed

        after_base_followed(survey_round, base, before, created=created)


@receiver(post_save, sender=Base, dispatch_uid="rounds_follow_base")
def _base_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        follow_base(instance, created=created)


def set_state(survey_round, records, state, *, closing_on=None, closing_reason=""):
    """A review step on records of the open round: set their state (and the closure proposal), stamped."""
    require_open(survey_round)
    for record in records:
        record.review_state = state
        record.proposed_closing_on = closing_on
        record.proposed_closing_reason = closing_reason
        _stamp(record)
    return _write([], list(records))


def correct_record(record, changes, *, reason):
    """Change a closed or published round's record explicitly (訂正); returns {field: [before, after]}."""
    survey_round = record.survey_round
    if not survey_round.is_frozen:
        raise RoundRefused(_("An open round follows its bases: edit the base instead of correcting the round."))
    before = {name: getattr(record, name) for name in changes}
    for name, value in changes.items():
        setattr(record, name, value)
    record.full_clean(exclude=["survey_round", "base", "contractor", "reviewed_by"])
    _stamp(record)
    _write([], [record], REVIEW_FIELDS | set(changes))
    return {name: [str(before[name]), str(getattr(record, name))] for name in changes if before[name] != changes[name]}
