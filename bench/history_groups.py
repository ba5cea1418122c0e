"""Grouped history for the pages benchmark: actions of 10,000, 1,000 and 200 entries, as imports write them.

``grouped_history_sql`` writes, in one INSERT … SELECT, one version of consecutive bases per change group: every
61st group is an import of 10,000 bases, ten of each 61 are actions of 1,000, the rest of 200 — 610 groups,
300,000 rows, the newest first and 40 minutes apart (the change log's first page holds one 10,000-entry action,
ten of 1,000 and forty of 200). A clerk of a prefecture sees his own organization's share of each.
"""

GROUPS = 610
PERIOD = 61  # in each 61 groups: one of 10,000, ten of 1,000, fifty of 200
BIG_GROUP = 10_000
SIZES_SQL = f"CASE WHEN k % {PERIOD} = 0 THEN {BIG_GROUP} WHEN k % {PERIOD} <= 10 THEN 1000 ELSE 200 END"
REASONS = ("2019年調査の取込", "担当者の修正", "一括で変更なし")


def group_uuid_sql(k):
    return f"md5('bench group ' || {k})::uuid"


def grouped_history_sql(model):
    """INSERT … SELECT: ``GROUPS`` change groups of consecutive rows of ``model`` (ids found from the lowest)."""
    history = model.history.model
    original = {f.attname for f in model._meta.concrete_fields}
    reasons = ", ".join(f"'{reason}'" for reason in REASONS)
    expressions = {
        "history_date": "now() - k * interval '40 minutes' - (b.id - first.id) * interval '10 milliseconds'",
        "history_type": "'~'",
        "history_change_reason": f"(ARRAY[{reasons}])[1 + k % 3] || ' ' || k",
        "change_source": "(ARRAY['import','bulk','admin'])[1 + k % 3]",
        "actor_name": "'user' || (k % 50)",
        "change_group": group_uuid_sql("k"),
        "import_record_id": "NULL",
        "history_user_id": "NULL",
    }
    columns, values = [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(f'"{field.column}"')
        if field.attname in original:
            values.append(f'b."{field.column}"')
        else:
            values.append(expressions[field.attname])
    table = model._meta.db_table
    return (
        f'INSERT INTO "{history._meta.db_table}" ({", ".join(columns)}) '
        f"WITH groups AS (SELECT k, {SIZES_SQL} AS size FROM generate_series(0, {GROUPS - 1}) k), "
        f'bounds AS (SELECT min(id) AS low, count(*) AS total FROM "{table}"), '
        f"starts AS (SELECT k, size, low + (k * 7919) % greatest(total - size, 1) AS start FROM groups, bounds) "
        f'SELECT {", ".join(values)} FROM starts '
        f"CROSS JOIN LATERAL (SELECT starts.start AS id) first "
        f'JOIN "{table}" b ON b.id >= starts.start AND b.id < starts.start + starts.size'
    )


def big_group():
    """The UUID of the newest 10,000-entry action (group 0)."""
    import uuid
    from hashlib import md5

    return uuid.UUID(md5(b"bench group 0").hexdigest())
