"""Who has done what in a round: per organization (the coordinator's progress) and per base (the clerk's to-do)."""
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from registry.models import (
    BaseRoundRecord,
    BaseStatus,
    Organization,
    ReviewState,
    RoundResponse,
    SurveyRound,
)

SHEET_WINS, CLERK_WINS = "sheet", "clerk"
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
    last_activity: object = None
    response: RoundResponse = None

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def not_reviewed(self):
        return self.counts[ReviewState.NOT_REVIEWED]

    @property
    def completed(self):
        """回答完了: the organization said so (and the coordinator has not returned it)."""
        return self.response is not None and self.response.completed

    @property
    def done(self):
        return self.completed

    @property
    def checked(self):
        """確認済み: the prefecture's lead checked the completed answer."""
        return self.response is not None and self.response.checked

    @property
    def can_complete(self):
        return not self.completed and self.not_reviewed == 0

    def ordered_counts(self):
        return [self.counts[state] for state in STATE_ORDER]


def scoped(queryset, user):
    return queryset if user is None else queryset.restrict(user, "view")


def round_progress(survey_round, user=None):
    """Per organization in the user's scope (all without a user): bases by state, last activity, 回答完了.

    The round's records are grouped once per state of the figures (``summary.FIGURES``), not on every view:
    at 100,000 bases the grouping is most of the progress page's time.
    """
    counts = defaultdict(lambda: {state: 0 for state in STATE_ORDER})
    last = {}
    for organization_id, review_state, number, latest in state_counts(survey_round, user):
        counts[organization_id][review_state] += number
        if latest and (organization_id not in last or latest > last[organization_id]):
            last[organization_id] = latest
    responses = {
        response.organization_id: response
        for response in scoped(RoundResponse.objects.filter(survey_round=survey_round), user)
    }
    organizations = scoped(Organization.objects.select_related("prefecture").order_by("code"), user)
    return [
        OrganizationProgress(organization, counts[organization.pk], last.get(organization.pk),
                             responses.get(organization.pk))
        for organization in organizations
        if organization.pk in counts
    ]


def state_counts(survey_round, user=None):
    """(organization id, review state, records, last review) of the round's records in the user's scope."""
    from registry.core.stamps import query_key
    from registry.survey.summary import FIGURES

    records = scoped(BaseRoundRecord.objects.filter(survey_round=survey_round), user)
    rows = (records.values("base__organization", "review_state").order_by()
            .annotate(n=Count("pk"), last=Max("reviewed_at"))
            .values_list("base__organization", "review_state", "n", "last"))
    return FIGURES.cached(lambda: list(rows), "state-counts", query_key(rows))


def progress_totals(progress):
    totals = {state: 0 for state in STATE_ORDER}
    for row in progress:
        for state, count in row.counts.items():
            totals[state] += count
    return [totals[state] for state in STATE_ORDER]


def pending_organizations(progress):
    return [row.organization for row in progress if not row.done]


def pending_bases(survey_round, user):
    """Active bases of the organizations that have not finished this round, for the pre-filled sheet."""
    from registry.models import Base

    pending_ids = [organization.pk for organization in pending_organizations(round_progress(survey_round, user))]
    return Base.objects.restrict(user, "view").filter(organization_id__in=pending_ids, status=BaseStatus.ACTIVE)


def reviewable_bases(user):
    """Active bases the user may change: the ones they review."""
    from registry.models import Base

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


def current_round():
    """The round clerks work on now: the open one (the latest if several)."""
    return SurveyRound.objects.open().order_by("-reference_date").first()


def round_todo(user, survey_round=None):
    """The clerk's to-do for the open round (a context for ``registry/rounds/_todo.html``), or None."""
    survey_round = survey_round or current_round()
    if survey_round is None or not user.has_perm("registry.view_baseroundrecord"):
        return None
    bases = list(reviewable_bases(user).select_related("organization"))
    records = records_by_base(survey_round, bases)
    progress = round_progress(survey_round, user) if user.has_perm("registry.change_base") else []
    own = {row.organization.pk: row for row in progress}
    organizations = []
    for base in bases:
        if base.organization not in organizations:
            organizations.append(base.organization)
    answers = [(organization, own.get(organization.pk)) for organization in organizations]
    return {
        "survey_round": survey_round,
        "rows": [(base, records.get(base.pk)) for base in bases],
        "organizations": answers,
        "all_completed": bool(answers) and all(row is not None and row.completed for _org, row in answers),
        "not_reviewed": sum(1 for base in bases if records.get(base.pk) is None
                            or records[base.pk].review_state == ReviewState.NOT_REVIEWED),
    }


def round_effects(base_id):
    """What changing this base does to the rounds, in words for the person about to do it (revert, restore)."""
    from django.utils.translation import gettext as _

    effects = []
    following = SurveyRound.objects.open().order_by("-reference_date").first()
    if following is not None:
        effects.append(_("%(round)s is open: its figures for this base follow this change.") % {"round": following})
    frozen = SurveyRound.objects.frozen().filter(records__base_id=base_id).order_by("-reference_date")
    for survey_round in frozen:
        effects.append(
            _("%(round)s is %(status)s: its figures do not change; a change to them is an explicit correction (訂正).")
            % {"round": survey_round, "status": survey_round.get_status_display()}
        )
    return effects


def clerk_answers(survey_round, records=None):
    """Records of the round that a person (not an import) has answered: base id → record.

    An import that disagrees with one of these asks which side wins. ``records``: the round's records already
    loaded (an import's, of its organizations' bases), to answer for those bases only without loading them again.
    """
    from registry.core.history import Source

    if not survey_round.is_open:
        return {}
    if records is None:
        records = BaseRoundRecord.objects.filter(survey_round=survey_round).exclude(
            review_state=ReviewState.NOT_REVIEWED)
    records = {record.pk: record for record in records if record.review_state != ReviewState.NOT_REVIEWED}
    latest_source = {}
    entries = BaseRoundRecord.history.filter(id__in=list(records)).order_by("id", "-history_date", "-history_id")
    for record_id, source in entries.values_list("id", "change_source"):
        latest_source.setdefault(record_id, source)
    return {
        record.base_id: record for pk, record in records.items()
        if latest_source.get(pk) not in (Source.IMPORT, Source.COMMAND)
    }
