"""Locks that cannot outlive their holder: whatever ends the process that holds one (an exception, a kill, a
crashed machine), the lock goes with it, so nothing waits for a timeout before the next holder may take it.

- PostgreSQL: a session-level advisory lock on the holder's connection (``pg_try_advisory_lock``), which the
  server releases when that connection ends. The holder's session also asks the server to probe its TCP
  connection (keepalives), so a machine that vanished without closing it loses the lock within about 30 s.
- SQLite (one machine): an exclusive ``flock`` on a file beside the database, which the operating system
  releases when the process ends (or the file is closed).

``ProcessLock(name).acquire()`` never waits: it says whether the lock was taken. ``is_held(name)`` asks, without
taking it, whether some live process holds it — the same process and connection included.
"""
import fcntl
import os
import re
import tempfile
import zlib
from pathlib import Path

from django.db import connection

NAMESPACE = 0x52454731  # "REG1": the first key of the registry's advisory locks (the second: the name's CRC)
KEEPALIVE = {"tcp_keepalives_idle": "15", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}


def key(name):
    return NAMESPACE, zlib.crc32(name.encode()) & 0x7FFFFFFF


class ProcessLock:
    """One named lock; ``remove_file`` (SQLite) deletes the lock file on release, for names never taken again
    (a job's): a name taken again and again keeps its file, so two processes always lock the same one."""

    def __init__(self, name, remove_file=False):
        self.name, self.remove_file = name, remove_file
        self.file = None

    def acquire(self):
        if connection.vendor == "postgresql":
            settings = ", ".join(f"set_config('{name}', '{value}', false)" for name, value in KEEPALIVE.items())
            return lock_query(f"SELECT pg_try_advisory_lock(%s, %s), {settings}", key(self.name))
        file = open(lock_path(self.name), "a+b")  # noqa: SIM115 - kept open while held
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self.file = file
        return True

    def release(self):
        if connection.vendor == "postgresql":
            lock_query("SELECT pg_advisory_unlock(%s, %s)", key(self.name))
            return
        if self.file is not None:
            if self.remove_file:
                lock_path(self.name).unlink(missing_ok=True)
            self.file.close()
            self.file = None


def is_held(name):
    """Whether a live process holds the lock ``name`` (without taking it)."""
    if connection.vendor == "postgresql":
        return lock_query("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                          "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                          "AND classid = %s AND objid = %s AND objsubid = 2)", key(name))
    try:
        file = open(lock_path(name), "rb")  # noqa: SIM115 - never created here: no file, no holder
    except FileNotFoundError:
        return False
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def lock_query(sql, params):
    """The first value of one SELECT of PostgreSQL's lock functions or views (they read and write no table)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def lock_path(name):
    """The lock file of ``name`` (SQLite): in a folder beside the database file; for an in-memory database
    (tests), in a folder of this process's own."""
    if connection.is_in_memory_db():
        folder = Path(tempfile.gettempdir()) / f"registry-locks-{os.getpid()}"
    else:
        database = Path(connection.settings_dict["NAME"])
        folder = database.with_name(database.name + ".locks")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (re.sub(r"[^A-Za-z0-9_-]", "_", name) + ".lock")
