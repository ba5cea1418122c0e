"""Write registry/core/country_readings.json: the reading (hiragana) of every country's Japanese name.

    python manage.py country_readings

pykakasi reads the kanji names (中国 → ちゅうごく); registry.core.country_order.READINGS corrects the few it reads
wrong. The file is generated so that no request pays for loading pykakasi's dictionary (over a second);
tests/admin/test_admin_ui.py checks it is complete and current.
"""
import json

from django.core.management.base import BaseCommand
from django.utils import translation

from registry.core.country_order import READINGS_FILE, computed_readings


class Command(BaseCommand):
    help = "Regenerate the readings of the Japanese country names (registry/core/country_readings.json)."

    def handle(self, *args, **options):
        with translation.override("ja"):
            readings = computed_readings()
        READINGS_FILE.write_text(json.dumps(readings, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                                 encoding="utf-8")
        self.stdout.write(f"{len(readings)} readings → {READINGS_FILE}")
