"""What import_survey and import_agreements share: reading the file, the user, the progress bar on a terminal,
and the report they print."""
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.sheets.engine import ImportBusy, Progress
from registry.sheets.reader import SheetReadError


class ImportCommand(BaseCommand):
    """Prints every error or warning as ``row R, column C: message``, then the counts; exits 1 on any error."""

    layout_errors = ()  # exceptions meaning the file is not a sheet of this kind at all
    failed_counts = "new=0 updated=0 unchanged=0 errors=1"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")
        parser.add_argument("--user", help="the user the changes are recorded under (and whose scope applies)")

    def run_import(self, content, file_name, user, dry_run, progress=None, **options):
        """``progress`` (an ``engine.Progress``) draws a bar when stdout is a terminal; importers may ignore it."""
        raise NotImplementedError

    def report_details(self, outcome):
        """Lines a subclass adds after the problems (e.g. bases not reported this round)."""

    def handle(self, *args, path, dry_run, user, **options):
        actor = find_user(user)
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            progress = TerminalProgress(self.stdout) if self.stdout.isatty() else None
            outcome = self.run_import(file_path.read_bytes(), file_path.name, actor, dry_run, progress=progress,
                                      **options)
            if progress is not None:
                progress.end()
        except (SheetReadError, ImportBusy, *self.layout_errors) as error:
            # Printed as it is: a message names its own row and column (「7行目、15列目：…」) or is about the file.
            self.stderr.write(str(error))
            self.stdout.write(self.failed_counts)
            raise SystemExit(1)
        self.stdout.write(f"read as {outcome.source_description}")
        for line in outcome.report_lines():
            self.stdout.write(line)
        if not outcome.errors:
            self.report_details(outcome)
        if not outcome.errors and not dry_run and not outcome.changed_anything:
            self.stdout.write("nothing changed: the registry already holds this sheet")
        self.stdout.write(outcome.summary_line)
        if outcome.errors:
            raise SystemExit(1)


def find_user(username):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as error:
        raise CommandError(f"no user {username!r}") from error


class TerminalProgress(Progress):
    """A one-line bar per phase, redrawn in place at most ten times a second: 「planning [#####     ] 512/1000」."""

    WIDTH = 30

    def __init__(self, stream, interval=0.1):
        self.stream = stream
        self.interval = interval
        self.drawn = False
        self.last = 0.0

    def phase(self, name):
        def progress(done, total):
            now = time.monotonic()
            if done < total and now - self.last < self.interval:
                return
            self.last = now
            filled = self.WIDTH * done // total if total else 0
            self.stream.write(f"\r{name} [{'#' * filled}{' ' * (self.WIDTH - filled)}] {done}/{total}", ending="")
            self.stream.flush()
            self.drawn = True
            if done >= total:
                self.end()

        return progress

    def end(self):
        if self.drawn:
            self.stream.write("")
            self.drawn = False
