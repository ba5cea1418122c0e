"""Where an uploaded sheet waits between its preview and its confirmation: the registry's storage.

An upload outlives the request that received it: the confirm step (or a background job's worker) reads it
again, perhaps on another application server. So it is kept in the storage named ``registry`` in
``STORAGES`` — a folder (MEDIA_ROOT: var/media, or FILE_STORAGE_DIR, a folder every server mounts) or
S3-compatible object storage (FILE_STORAGE_S3_BUCKET; docs/production-two-servers.md) — and read and deleted
only through this module: django-import-export's temporary storage (IMPORT_EXPORT_TMP_STORAGE_CLASS) is
``UploadStorage``, the jobs read their input with ``upload_storage``.

django-import-export deletes an upload when its import is confirmed. An upload whose preview is left
(cancelled, abandoned, or failed on confirm) is deleted by the next import request after
IMPORT_UPLOAD_MAX_AGE seconds.
"""
import datetime
import re
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from import_export.tmp_storages import BaseStorage

STORAGE = "registry"  # the STORAGES entry of the files that outlive a request
UPLOAD_FOLDER = "django-import-export"  # the folder of the uploads in it (the name import-export gave it)
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")  # the names this module gives: nothing else is read or deleted


def registry_storage():
    return storages[STORAGE]


class UploadStorage(BaseStorage):
    """An uploaded file kept in the registry's storage under a random name, read back as bytes."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "read_mode": "rb"})

    def save(self, data):
        self.name = self.name or uuid.uuid4().hex
        registry_storage().save(self.path(), ContentFile(data))

    def read(self):
        with registry_storage().open(self.path(), "rb") as handle:
            return handle.read()

    def remove(self):
        registry_storage().delete(self.path())

    def path(self):
        """The upload's name in the storage; a name this module did not give (the confirm form's hidden field
        is the browser's) is no upload (``FileNotFoundError``, as for one deleted since)."""
        if not UPLOAD_NAME.fullmatch(self.name or ""):
            raise FileNotFoundError(f"no upload named {self.name!r}")
        return f"{UPLOAD_FOLDER}/{self.name}"


def upload_storage(name):
    """The stored upload ``name``, as the confirm step and the background jobs read it."""
    return UploadStorage(name=name)


def sweep_stale_uploads(now=None):
    """Delete preview uploads older than IMPORT_UPLOAD_MAX_AGE; returns how many were deleted."""
    storage = registry_storage()
    try:
        _folders, names = storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:  # nothing uploaded yet
        return 0
    limit = (now or timezone.now()) - datetime.timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE)
    deleted = 0
    for name in names:
        path = f"{UPLOAD_FOLDER}/{name}"
        try:
            if storage.get_modified_time(path) < limit:
                storage.delete(path)
                deleted += 1
        except FileNotFoundError:  # another request (or server) swept it first
            continue
    return deleted
