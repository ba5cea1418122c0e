"""Every signal the survey part listens to, connected by ``connect()`` from RegistryConfig.ready().

* A round's counts are cached under the stamp of its records, their bases and organizations (``FIGURES``,
  registry/survey/summary.py): any write of those renews it.
* A base's round: whatever writes a base — a save (an admin edit, a revert, a restore, a bulk action) or a
  bulk write (an import's apply) — brings the latest open round's record of it in line
  (``records.follow_bases``), so no writer of bases needs to know about rounds. The one exception is the round
  an import in progress records itself, with the sheet's verdicts.
"""
from django.db.models.signals import post_save

from registry.core.history.tracking import written_in_bulk
from registry.models import Base
from registry.survey.lifecycle import after_bases_followed
from registry.survey.records import base_saved, bases_followed, bases_written_in_bulk
from registry.survey.summary import FIGURES


def connect():
    FIGURES.watch()
    post_save.connect(base_saved, sender=Base, dispatch_uid="rounds_follow_base")
    written_in_bulk.connect(bases_written_in_bulk, sender=Base, dispatch_uid="rounds_follow_bases_in_bulk")
    # What following means for the people in the round: 回答完了 reopened, the clerks told of a revert.
    bases_followed.connect(after_bases_followed, dispatch_uid="rounds_after_bases_followed")
