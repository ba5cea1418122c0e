"""What the import engine's tests check of an import: the writes a step issued, and the history it left."""
WRITES = ("INSERT", "UPDATE", "DELETE")


def writes_in(queries):
    """The INSERT, UPDATE and DELETE statements among captured queries (the test client's session aside)."""
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)
            and "django_session" not in q["sql"]]


def history_left(history, import_record, describe):
    """(sorted descriptions, change groups) of history entries given as (history type, entry): each entry's type,
    ``describe(entry)``, who, why (the import record's number as #N), actor and route."""
    entries, groups = [], set()
    for history_type, entry in history:
        groups.add(entry.change_group)
        entries.append(repr((
            history_type, describe(entry), entry.history_user_id,
            entry.history_change_reason.replace(f"#{import_record.pk}", "#N"), entry.actor_name, entry.change_source,
        )))
    return sorted(entries), groups
