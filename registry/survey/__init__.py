"""The annual round (調査): its lifecycle and the one place that writes a round's records.

* ``records``: writes ``BaseRoundRecord`` — nothing else does. While a round is open its record of a
  base follows every change of that base (one base at a time after a save, or many at once for an
  import); the clerks' review steps set the record's state; a closed round changes only by a correction.
* ``lifecycle``: 準備中 → 受付中 → 締切 → 公表, organizations' 回答完了 and its return, corrections.
* ``progress``: who has done what in a round (per organization, the clerk's to-do).
* ``reminders``: e-mail to the clerks of organizations not done, logged.
* ``sheet``: the published sheet (xlsx in the survey's layout) from a round's frozen figures.
"""
