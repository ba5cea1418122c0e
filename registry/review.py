"""The annual update (調査の更新作業): who has reviewed which bases in a round, and the review steps.

Every step writes through model ``save()`` inside ``change_context`` so it leaves a
history entry naming the clerk, the time and the reason.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from registry.history import Source, change_context
from registry.models import Base, BaseRoundRecord, BaseStatus, Organization, ReviewState, SurveyRound
from registry.sheets.survey.resource import ROUND_SNAPSHOT_FIELDS

REASON_UNCHANGED = "一括操作: 変更なしで確認"
REASON_CLOSING = "閉鎖の提案"
STATE_ORDER = (
    ReviewState.UNCHANGED,
    ReviewState.CHANGED,
    ReviewState.NEW,
    ReviewState.CLOSING,
    ReviewState.NOT_REVIEWED,
)


@dataclass
class OrganizationProgress:
    organization: Organization
    counts: dict = field(default_factory=lambda: {state: 0 for state in STATE_ORDER})

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def not_reviewed(self):
        return self.counts[ReviewState.NOT_REVIEWED]

    @property
    def done(self):
        return self.not_reviewed == 0

    def ordered_counts(self):
        return [self.counts[state] for state in STATE_ORDER]


def active_bases_without_record(survey_round, bases):
    return bases.filter(status=BaseStatus.ACTIVE).exclude(round_records__survey_round=survey_round)


def round_progress(survey_round, user):
    """Per organization in the user's scope: its bases by review state in this round.

    Active bases with no record in the round have not been reviewed yet.
    """
    counts = defaultdict(lambda: {state: 0 for state in STATE_ORDER})
    records = BaseRoundRecord.objects.restrict(user, "view").filter(survey_round=survey_round)
    for row in records.values("base__organization", "review_state").annotate(n=Count("pk")).order_by():
        counts[row["base__organization"]][row["review_state"]] += row["n"]
    missing = active_bases_without_record(survey_round, Base.objects.restrict(user, "view"))
    for row in missing.values("organization").annotate(n=Count("pk")).order_by():
        counts[row["organization"]][ReviewState.NOT_REVIEWED] += row["n"]
    organizations = Organization.objects.filter(pk__in=counts).select_related("prefecture").order_by("code")
    return [OrganizationProgress(organization, counts[organization.pk]) for organization in organizations]


def progress_totals(progress):
    totals = {state: 0 for state in STATE_ORDER}
    for row in progress:
        for state, count in row.counts.items():
            totals[state] += count
    return [totals[state] for state in STATE_ORDER]


def pending_bases(survey_round, user):
    """Active bases of the organizations that have not finished this round, for the pre-filled sheet."""
    pending_ids = [row.organization.pk for row in round_progress(survey_round, user) if not row.done]
    return Base.objects.restrict(user, "view").filter(organization_id__in=pending_ids, status=BaseStatus.ACTIVE)


def reviewable_bases(user):
    """Active bases the user may change: the ones they review."""
    return (
        Base.objects.restrict(user, "change")
        .filter(status=BaseStatus.ACTIVE)
        .select_related("organization__prefecture", "contractor")
    )


def records_by_base(survey_round, bases):
    records = BaseRoundRecord.objects.filter(survey_round=survey_round, base__in=bases)
    return {record.base_id: record for record in records}


def previous_records(survey_round, bases):
    """Each base's record in the latest earlier round."""
    earlier = (
        BaseRoundRecord.objects.filter(base__in=bases, survey_round__reference_date__lt=survey_round.reference_date)
        .select_related("survey_round")
        .order_by("base_id", "survey_round__reference_date")
    )
    return {record.base_id: record for record in earlier}  # later rounds overwrite earlier ones


def snapshot_of(base):
    return {name: getattr(base, name) for name in ROUND_SNAPSHOT_FIELDS}


def differs(record, snapshot):
    return any(getattr(record, name) != value for name, value in snapshot.items())


def confirmed_state(snapshot, current, previous, round_has_predecessor):
    """What confirming a base means for the round: its values against the previous round's."""
    if previous is not None:
        return ReviewState.CHANGED if differs(previous, snapshot) else ReviewState.UNCHANGED
    if current is not None and current.review_state == ReviewState.NEW:
        return ReviewState.NEW
    return ReviewState.NEW if round_has_predecessor else ReviewState.UNCHANGED


def mark_unchanged(survey_round, bases, user):
    """Confirm the bases' current values for the round (bulk 「変更なし」).

    A base edited since the previous round is recorded as changed, one that the
    previous round did not have as newly added; the rest as unchanged.
    Returns the number of records written.
    """
    bases = list(bases)
    current = records_by_base(survey_round, bases)
    previous = previous_records(survey_round, bases)
    has_predecessor = SurveyRound.objects.filter(reference_date__lt=survey_round.reference_date).exists()
    written = 0
    with transaction.atomic(), change_context(source=Source.REVIEW, reason=REASON_UNCHANGED, user=user):
        for base in bases:
            snapshot = snapshot_of(base)
            record = current.get(base.pk) or BaseRoundRecord(survey_round=survey_round, base=base)
            state = confirmed_state(snapshot, current.get(base.pk), previous.get(base.pk), has_predecessor)
            for name, value in snapshot.items():
                setattr(record, name, value)
            record.review_state = state
            record.proposed_closing_on = None
            record.proposed_closing_reason = ""
            record.save()
            written += 1
    return written


def propose_closing(survey_round, base, closing_on, reason, user):
    """Propose closing a base in this round; the base itself stays active until the round is applied."""
    if closing_on is None or not reason.strip():
        raise ValidationError(_("A closure needs its date and reason."))
    with transaction.atomic(), change_context(
        source=Source.REVIEW, reason=f"{REASON_CLOSING}: {reason.strip()}", user=user
    ):
        record = BaseRoundRecord.objects.filter(survey_round=survey_round, base=base).first()
        if record is None:
            record = BaseRoundRecord(survey_round=survey_round, base=base)
        for name, value in snapshot_of(base).items():
            setattr(record, name, value)
        record.review_state = ReviewState.CLOSING
        record.proposed_closing_on = closing_on
        record.proposed_closing_reason = reason.strip()
        record.save()
    return record
