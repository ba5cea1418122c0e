"""The import lock held by someone else, as a running import holds it: another thread with its own database
connection (for PostgreSQL's advisory lock) or its own lock file handle (SQLite)."""
import contextlib
import threading


@contextlib.contextmanager
def import_lock_held_elsewhere():
    from django.db import connections

    from registry.core.locks import ProcessLock
    from registry.sheets.engine import LOCK_NAME

    taken, release, failures = threading.Event(), threading.Event(), []

    def holder():
        lock = ProcessLock(LOCK_NAME)
        try:
            if not lock.acquire():
                failures.append("the import lock was already held")
                return
            taken.set()
            release.wait(60)
            lock.release()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            failures.append(error)
        finally:
            taken.set()
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    taken.wait(60)
    assert not failures, failures
    try:
        yield
    finally:
        release.set()
        thread.join(60)
