"""What open data has the publication's build (registry/public/publishing_tasks.py) make: every published round's
files and its PDFs (the list and the report)."""
from registry.public.opendata.tables import BASES
from registry.public.opendata.views import round_file
from registry.public.publishing_tasks import builds_round
from registry.survey.printable import report_pdf, round_pdf


@builds_round(20)
def open_data_files(state, survey_round):
    round_file(state, survey_round, BASES.path)  # the round's files are built together


builds_round(30)(round_pdf)
builds_round(40)(report_pdf)
