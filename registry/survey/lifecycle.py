"""A round's lifecycle (準備中 → 受付中 → 締切 → 公表) and the steps of the people in it.

Every step runs in one transaction inside ``change_context`` so the history says who did it and why;
a step the round's state does not allow raises ``RoundRefused`` and writes nothing.
"""
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.core.history import Source, change_context, current_context
from registry.models import (
    Base,
    BaseRoundRecord,
    BaseStatus,
    ReviewState,
    RoundCorrection,
    RoundResponse,
    RoundStatus,
    SurveyRound,
)

from registry.survey.progress import previous_records, records_by_base
from registry.survey.records import RoundRefused, correct_record, differs, record_bases, require_open, set_state

REASON_OPENED = "調査の開始"
REASON_UNCHANGED = "変更なしで確認"
REASON_CLOSING = "廃止を提案"
REASON_CLOSED = "調査の締切: 廃止を適用"
REASON_COMPLETED = "回答完了"
REASON_RETURNED = "回答の差し戻し"
REASON_CHECKED = "都道府県の確認済み"
REASON_CORRECTION = "訂正"
REASON_REOPENED = "回答完了の後の拠点の変更"


@dataclass
class StepResult:
    survey_round: SurveyRound
    counts: dict

    @property
    def line(self):
        return " ".join(f"{key}={value}" for key, value in self.counts.items())


def state_counts(survey_round):
    counts = {state.value: 0 for state in ReviewState}
    for state in BaseRoundRecord.objects.filter(survey_round=survey_round).values_list("review_state", flat=True):
        counts[state] += 1
    return counts


def open_round(reference_date, due_date=None, *, user=None, leave_out=()):
    """Open the round for a reference date: every active base of every organization gets a 未確認 line.

    ``leave_out`` (base ids) are bases whose lines the caller writes itself right after, in the same
    transaction (an import that opens the round gives each base of its sheet its verdict): each line is
    written once.
    """
    with transaction.atomic():
        survey_round, _created = SurveyRound.objects.select_for_update().get_or_create(reference_date=reference_date)
        if survey_round.status != RoundStatus.PREPARING:
            raise RoundRefused(
                _("%(round)s is already %(status)s.")
                % {"round": survey_round, "status": survey_round.get_status_display()}
            )
        if SurveyRound.objects.filter(reference_date__gt=reference_date).frozen().exists():
            raise RoundRefused(_("A later round is already closed: open a round after it."))
        with change_context(reason=REASON_OPENED, user=user):
            survey_round.status = RoundStatus.OPEN
            survey_round.opened_at = timezone.now()
            if due_date is not None:
                survey_round.due_date = due_date
            survey_round.save()
            leave_out = set(leave_out)
            bases = (base for base in Base.objects.filter(status=BaseStatus.ACTIVE) if base.pk not in leave_out)
            written = record_bases(survey_round, bases, activity=False)
    return StepResult(survey_round, {"status": survey_round.status, "bases": written})


def confirm_unchanged(survey_round, bases, user):
    """「変更なし」: the clerk confirms the bases as they stand.

    Against the previous round: a base that differs is 変更あり, one that round did not have is 新規
    (and a base added during this round stays 新規); the rest are 変更なし. A proposed closure is withdrawn.
    """
    bases = list(bases)
    with transaction.atomic(), change_context(reason=REASON_UNCHANGED, user=user, source=Source.REVIEW):
        require_open(survey_round)
        record_bases(survey_round, bases)  # a base without a line gets one first
        records = records_by_base(survey_round, bases)
        previous = previous_records(survey_round, bases)
        has_predecessor = SurveyRound.objects.filter(reference_date__lt=survey_round.reference_date).exists()
        by_state = {}
        for base in bases:
            record = records[base.pk]
            earlier = previous.get(base.pk)
            if record.review_state == ReviewState.NEW or (earlier is None and has_predecessor):
                state = ReviewState.NEW
            elif earlier is not None and differs(earlier, record):
                state = ReviewState.CHANGED
            else:
                state = ReviewState.UNCHANGED
            by_state.setdefault(state, []).append(record)
        return sum(set_state(survey_round, records_, state) for state, records_ in by_state.items())


def propose_closing(survey_round, base, closing_on, reason, user):
    """「廃止を提案」: the base stays active until the round closes, then becomes 閉鎖 on that date."""
    reason = (reason or "").strip()
    if closing_on is None or not reason:
        raise RoundRefused(_("A closure needs its date and reason."))
    with transaction.atomic(), change_context(reason=f"{REASON_CLOSING}: {reason}", user=user, source=Source.REVIEW):
        require_open(survey_round)
        record_bases(survey_round, [base])
        record = BaseRoundRecord.objects.get(survey_round=survey_round, base=base)
        set_state(survey_round, [record], ReviewState.CLOSING, closing_on=closing_on, closing_reason=reason)
    return record


def complete_answer(survey_round, organization, user):
    """「回答完了」: refused while any base of the organization is 未確認."""
    with transaction.atomic(), change_context(reason=REASON_COMPLETED, user=user, source=Source.REVIEW):
        require_open(survey_round)
        left = BaseRoundRecord.objects.filter(
            survey_round=survey_round, base__organization=organization, review_state=ReviewState.NOT_REVIEWED
        ).count()
        if left:
            raise RoundRefused(
                _("%(organization)s still has %(count)d bases not yet reviewed.")
                % {"organization": organization, "count": left}
            )
        response, _created = RoundResponse.objects.get_or_create(survey_round=survey_round, organization=organization)
        response.completed_at = timezone.now()
        response.completed_by = user
        response.returned_reason = ""
        response.checked_at = None  # answered again: the prefecture checks it again
        response.checked_by = None
        response.save()
    return response


def return_answer(survey_round, organization, reason, user):
    """The coordinator, or the prefecture's lead, returns an organization's answer (差し戻し): it is no longer
    回答完了, and the reason is shown to its clerks on their home page."""
    reason = (reason or "").strip()
    with transaction.atomic(), change_context(reason=f"{REASON_RETURNED}: {reason}".strip(": "), user=user,
                                              source=Source.REVIEW, lead_step=True):
        require_open(survey_round)
        response = RoundResponse.objects.filter(survey_round=survey_round, organization=organization).first()
        if response is None or not response.completed:
            raise RoundRefused(_("%(organization)s has not completed its answer.") % {"organization": organization})
        response.completed_at = None
        response.completed_by = None
        response.returned_reason = reason
        response.checked_at = None
        response.checked_by = None
        response.save()
    return response


def after_base_followed(survey_round, base, state_before, *, created=False):
    """The open round's record followed a saved base: a change after 回答完了 reopens the answer, and a revert
    (by a supervisor, say) is told to the organization's clerks with the base's state in the round now."""
    reopen_answer(survey_round, base, created=created)
    context = current_context()
    if context is None or context.source != Source.REVERT:
        return
    from registry.staff.notifications import notify_clerks

    record = BaseRoundRecord.objects.get(survey_round=survey_round, base=base)
    before = ReviewState(state_before).label if state_before else "-"
    reason = f"（理由: {context.reason}）" if context.reason else ""
    notify_clerks(
        base.organization_id,
        f"拠点「{base.name}」が以前の版に戻されました{reason}。{survey_round} での状態: {before} → "
        f"{record.get_review_state_display()}",
        reverse("registry:survey_review", args=[survey_round.reference_date]) + f"?organization={base.organization_id}",
    )


def reopen_answer(survey_round, base, *, created=False):
    """A base added or changed after its organization's 回答完了: the answer is open again (with a history entry)
    and the organization's clerks are told (the one who made the change sees it on the page they land on)."""
    from registry.staff.notifications import notify_clerks

    response = RoundResponse.objects.filter(survey_round=survey_round, organization_id=base.organization_id,
                                            completed_at__isnull=False).first()
    if response is None:
        return None
    what = "追加" if created else "変更"
    with change_context(reason=f"{REASON_REOPENED}: {base.name}（{what}）", source=Source.REVIEW):
        response.completed_at = None
        response.completed_by = None
        response.returned_reason = f"回答完了の後に拠点「{base.name}」が{what}されました"
        response.save()
    notify_clerks(
        base.organization_id,
        f"{survey_round}: 回答完了の後に拠点「{base.name}」が{what}されたため、回答完了を取り消しました。"
        "拠点を確認して、もう一度「回答完了」を押してください。",
        reverse("registry:survey_review", args=[survey_round.reference_date]),
    )


def check_answer(survey_round, organization, user):
    """確認済み: the prefecture's lead checked an organization's completed answer (shown on the progress)."""
    with transaction.atomic(), change_context(reason=REASON_CHECKED, user=user, source=Source.REVIEW,
                                              lead_step=True):
        require_open(survey_round)
        response = RoundResponse.objects.select_for_update().filter(
            survey_round=survey_round, organization=organization).first()
        if response is None or not response.completed:
            raise RoundRefused(f"{organization} はまだ回答完了していません。確認済みにできるのは回答完了した回答です。")
        if response.checked_at is None:
            response.checked_at = timezone.now()
            response.checked_by = user
            response.save()
    return response


def close_round(survey_round, *, user=None):
    """締切: confirmed closures are applied to the bases, then the round's figures stop following the bases.

    A closure is confirmed when it has its date (a clerk's proposal, or one the coordinator completed);
    a base only missing from an imported sheet has none, and closing is refused until it is decided.
    """
    with transaction.atomic(), change_context(reason=REASON_CLOSED, user=user):
        require_open(survey_round)
        closing = BaseRoundRecord.objects.filter(survey_round=survey_round, review_state=ReviewState.CLOSING)
        undecided = list(closing.filter(proposed_closing_on__isnull=True).select_related("base__organization"))
        if undecided:
            raise RoundRefused(
                _("%(count)d proposed closures have no closing date (%(bases)s): propose them with a date, "
                  "or confirm the bases as unchanged.")
                % {"count": len(undecided), "bases": "、".join(str(record.base) for record in undecided[:5])}
            )
        applied = 0
        for record in closing.select_related("base"):
            base = record.base
            if base.status == BaseStatus.CLOSED:
                continue
            base.status = BaseStatus.CLOSED
            base.closed_on = record.proposed_closing_on
            base.closing_reason = record.proposed_closing_reason
            base.full_clean()
            base.save()  # the record follows (閉鎖) while the round is still open
            applied += 1
        survey_round.status = RoundStatus.CLOSED
        survey_round.closed_at = timezone.now()
        survey_round.save()
    counts = state_counts(survey_round)
    return StepResult(survey_round, {"status": survey_round.status, "closed_bases": applied, **counts})


def publish_round(survey_round, *, user=None):
    """公表: a closed round's figures become the published ones (read-only; later changes are corrections)."""
    with transaction.atomic(), change_context(reason=_("Published"), user=user):
        if survey_round.status != RoundStatus.CLOSED:
            raise RoundRefused(
                _("Only a closed round can be published; %(round)s is %(status)s.")
                % {"round": survey_round, "status": survey_round.get_status_display()}
            )
        survey_round.status = RoundStatus.PUBLISHED
        survey_round.published_at = timezone.now()
        survey_round.save()
    return StepResult(survey_round, {"status": survey_round.status, **state_counts(survey_round)})


def correct(record, changes, reason, user):
    """訂正: an explicit change of a closed or published round's figures for one base, with its reason."""
    reason = (reason or "").strip()
    if not reason:
        raise RoundRefused(_("A correction needs its reason."))
    with transaction.atomic(), change_context(reason=f"{REASON_CORRECTION}: {reason}", user=user):
        changed = correct_record(record, changes, reason=reason)
        if not changed:
            raise RoundRefused(_("The correction changes nothing."))
        return RoundCorrection.objects.create(
            record=record, reason=reason, changes=changed, corrected_by=user.get_username() if user else "command",
        )
