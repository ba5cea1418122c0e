"""The package layout of registry/ (docs/architecture.md): only the app's wiring at its root, and one trigger
for "a round follows its base" whatever wrote the base."""
import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from registry.core.history import Source, change_context, write_in_bulk
from registry.models import Base, BaseRoundRecord, RoundStatus, SurveyRound
from registry.survey import lifecycle
from tests.support.factories import make_base
from tests.support.lists_helpers import record_for

ROOT = Path(__file__).resolve().parents[2]
WIRING = {"__init__.py", "apps.py", "urls.py"}


def test_the_registry_root_holds_only_the_apps_wiring():
    loose = {path.name for path in (ROOT / "registry").iterdir() if path.is_file() and path.suffix == ".py"}
    assert loose <= WIRING, f"modules belong in a part's package: {sorted(loose - WIRING)}"


def test_every_part_connects_its_signals_in_one_place():
    parts = ("core", "accounts", "survey", "staff", "public")
    assert all((ROOT / "registry" / part / "signals.py").is_file() for part in parts)
    apps_py = (ROOT / "registry" / "apps.py").read_text()
    assert all(f"{part}_signals" in apps_py for part in parts)
    sources = [path for path in (ROOT / "registry").rglob("*.py") if "migrations" not in path.parts]
    assert not [path for path in sources if "@receiver" in path.read_text()], "receivers are connected in signals.py"


@pytest.fixture
def open_round(organization):
    last = SurveyRound.objects.create(reference_date=datetime.date(2017, 9, 30), status=RoundStatus.PUBLISHED)
    base = make_base(organization("大阪府"), 1, name="上海事務所", staff_local=3)
    record_for(last, base)
    this = lifecycle.open_round(datetime.date(2018, 9, 30), datetime.date(2018, 11, 30)).survey_round
    return SimpleNamespace(round=this, base=base)


@pytest.mark.django_db
def test_a_bulk_write_of_bases_is_followed_by_the_open_round_as_a_save_is(open_round):
    base = Base.objects.get(pk=open_round.base.pk)
    base.name = "上海代表処"
    with change_context(source=Source.COMMAND, reason="bulk"):
        write_in_bulk(Base, updated=[base], fields=["name"])
    assert BaseRoundRecord.objects.get(survey_round=open_round.round, base=base).name == "上海代表処"

    base.name = "上海事務所"
    base.save()
    assert BaseRoundRecord.objects.get(survey_round=open_round.round, base=base).name == "上海事務所"
