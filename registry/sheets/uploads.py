"""Files uploaded for a preview wait in MEDIA_ROOT until they are confirmed; none waits longer than an hour.

django-import-export deletes an upload when its import is confirmed. An upload
whose preview is left (cancelled, abandoned, or failed on confirm) is deleted by
the next import request after IMPORT_UPLOAD_MAX_AGE seconds.
"""
import time
from pathlib import Path

from django.conf import settings

UPLOAD_FOLDER = "django-import-export"  # import-export's MediaStorage folder


def sweep_stale_uploads(now=None):
    """Delete preview uploads older than IMPORT_UPLOAD_MAX_AGE; returns how many were deleted."""
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_FOLDER
    if not folder.is_dir():
        return 0
    limit = (now or time.time()) - settings.IMPORT_UPLOAD_MAX_AGE
    deleted = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # another request swept it first
            continue
    return deleted
