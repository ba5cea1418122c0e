"""The coordinator's automation of a round: open, status, close, publish, remind.

Each prints one line of counts (``status --json`` one JSON object) and exits with 1 when the round's
state refuses the step (the reason goes to stderr).
"""
import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from registry.core.history import Source, change_context
from registry.models import SurveyRound
from registry.survey import lifecycle
from registry.survey.progress import STATE_ORDER, round_progress
from registry.survey.records import RoundRefused
from registry.survey.reminders import remind_round


def iso_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"give dates as YYYY-MM-DD, not {text!r}") from error


def round_status(survey_round):
    """Counts per state and per organization, as ``round status --json`` prints them."""
    progress = round_progress(survey_round)
    totals = {state.value: 0 for state in STATE_ORDER}
    organizations = []
    for row in progress:
        for state, count in row.counts.items():
            totals[state] += count
        organizations.append({
            "code": row.organization.code,
            "name": row.organization.name,
            **{state.value: row.counts[state] for state in STATE_ORDER},
            "completed": row.completed,
            "last_activity": row.last_activity.isoformat() if row.last_activity else None,
        })
    return {
        "reference_date": survey_round.reference_date.isoformat(),
        "status": survey_round.status,
        "due_date": survey_round.due_date.isoformat() if survey_round.due_date else None,
        "states": totals,
        "organizations_completed": sum(1 for row in progress if row.completed),
        "organizations_pending": sum(1 for row in progress if not row.completed),
        "organizations": organizations,
    }


class Command(BaseCommand):
    help = "Run a survey round: open DATE --due DATE | status DATE [--json] | close DATE | publish DATE | remind DATE"

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["open", "status", "close", "publish", "remind"])
        parser.add_argument("reference_date", type=iso_date)
        parser.add_argument("--due", type=iso_date, help="the due date of the clerks' answers (open)")
        parser.add_argument("--json", action="store_true", help="status: one JSON object")

    def handle(self, *args, step, reference_date, due=None, json=False, **options):
        survey_round = SurveyRound.objects.filter(reference_date=reference_date).first()
        if survey_round is None and step != "open":
            raise CommandError(f"no survey round for {reference_date:%Y-%m-%d}", returncode=1)
        try:
            with change_context(source=Source.COMMAND, actor_name="round " + step):
                line = self.run_step(step, survey_round, reference_date, due, json)
        except RoundRefused as refusal:
            raise CommandError(str(refusal), returncode=1) from refusal
        self.stdout.write(line)

    def run_step(self, step, survey_round, reference_date, due, as_json):
        if step == "open":
            return lifecycle.open_round(reference_date, due).line
        if step == "close":
            return lifecycle.close_round(survey_round).line
        if step == "publish":
            return lifecycle.publish_round(survey_round).line
        if step == "remind":
            return remind_round(survey_round).line
        status = round_status(survey_round)
        if as_json:
            return json.dumps(status, ensure_ascii=False)
        counts = " ".join(f"{state}={count}" for state, count in status["states"].items())
        return (f"status={status['status']} {counts} completed={status['organizations_completed']} "
                f"pending={status['organizations_pending']}")
