"""Two versions of a record as people read the difference (registry.core.history.diff)."""
import copy

import pytest
from django.utils import translation

from registry.core.history.diff import record_changes
from registry.models import Base, OperatingForm
from tests.support.factories import make_base, make_contractor

pytestmark = pytest.mark.django_db


def test_an_unsaved_incoming_record_against_the_stored_one():
    """What the import preview asks: labels, country names, choice labels, related records by name, era years."""
    stored = make_base("大阪府", 3, countries=["CN"], form="a", established_fy=2002)
    incoming = copy.copy(Base.objects.get(pk=stored.pk))
    incoming.pk = None
    incoming.countries = ["CN", "KR"]
    incoming.form = OperatingForm.CONTRACTED
    incoming.contractor = make_contractor("上海事務所運営会社")
    with translation.override("ja"):
        changes = {c.label: (c.old, c.new) for c in record_changes(stored, incoming)}
        assert changes["国・地域"] == ("中国", "中国、韓国")
        assert changes["形態"] == (str(OperatingForm.OWN_OFFICE.label), str(OperatingForm.CONTRACTED.label))
        assert changes["委託先"] == ("", "上海事務所運営会社")
    assert len(changes) == 3, changes


def test_only_the_fields_asked_for_in_their_order():
    stored = make_base("大阪府", 3, cities="上海", remarks="旧")
    incoming = copy.copy(stored)
    incoming.cities, incoming.remarks = "北京", "新"
    changes = record_changes(stored, incoming, fields=["remarks", "cities"])
    assert [(c.old, c.new) for c in changes] == [("旧", "新"), ("上海", "北京")]


def test_a_new_record_lists_what_it_has():
    incoming = Base(name="新拠点", countries=["US"], cities="", form="a", established_fy=2019)
    with translation.override("ja"):
        changes = {c.label: c.new for c in record_changes(None, incoming, fields=["name", "cities", "established_fy"])}
    assert changes == {"拠点名": "新拠点", "設置年度": "2019(令和元年度)"}
