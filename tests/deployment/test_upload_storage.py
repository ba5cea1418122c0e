"""Issue 26 (two servers, one registry): an upload waiting for its confirmation is kept in the storage named
"registry" in STORAGES — whatever it points at (a shared folder, object storage) — not on one server's disk."""
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from registry.models import Agreement
from registry.sheets.uploads import UPLOAD_FOLDER, sweep_stale_uploads
from tests.support.agreement_sheets import as_text, tie_row
from tests.admin.test_agreements_admin import confirm, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(settings, tmp_path):
    """The registry's storage pointed at a folder of its own, apart from MEDIA_ROOT (as a shared folder is)."""
    settings.MEDIA_ROOT = tmp_path / "this server's disk"
    settings.STORAGES = {**settings.STORAGES, "registry": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "shared"}}}
    return tmp_path / "shared" / UPLOAD_FOLDER


def test_a_preview_keeps_its_upload_in_the_registry_storage_and_the_confirm_reads_it_there(admin_client, shared,
                                                                                             settings):
    preview = upload(admin_client, as_text([tie_row()]))
    (kept,) = shared.iterdir()
    assert kept.name == preview.context["confirm_form"].initial["import_file_name"]
    assert not settings.MEDIA_ROOT.exists()
    assert confirm(admin_client, preview).status_code == 302
    assert Agreement.objects.count() == 1 and list(shared.iterdir()) == []


def test_uploads_left_in_the_registry_storage_are_swept_after_an_hour(admin_client, shared):
    upload(admin_client, as_text([tie_row()]))
    (left,) = shared.iterdir()
    assert sweep_stale_uploads() == 0
    an_hour_ago = (datetime.datetime.now() - datetime.timedelta(seconds=3601)).timestamp()
    os.utime(left, (an_hour_ago, an_hour_ago))
    assert sweep_stale_uploads() == 1 and not left.exists()


def test_a_confirm_naming_a_file_outside_the_uploads_imports_nothing(admin_client, settings, tmp_path):
    """The confirm form's file name is the browser's: only names the preview gave are read."""
    settings.MEDIA_ROOT = tmp_path  # the old and the new storage alike
    preview = upload(admin_client, as_text([tie_row()]))
    elsewhere = storages["registry"].save("elsewhere.tsv", ContentFile(as_text([tie_row(partner="ソウル特別市",
                                                                                        country="韓国")])))
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    session = admin_client.session
    previews = session["sheet_import_previews"]
    session["sheet_import_previews"] = {f"../{elsewhere}": previews[data["import_file_name"]]}
    session.save()
    data["import_file_name"] = f"../{elsewhere}"
    admin_client.post(reverse("admin:registry_agreement_process_import"), data)
    assert Agreement.objects.count() == 0


def storage_settings(**environment):
    code = ("import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
            "django.setup(); from django.conf import settings; "
            "print(json.dumps([str(settings.MEDIA_ROOT), settings.STORAGES['registry']]))")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FILE_STORAGE_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          env={**env, **environment}, capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout) if done.returncode == 0 else done.stderr


def test_the_storage_is_a_folder_by_default_a_shared_one_or_s3_from_the_environment(tmp_path):
    root, storage = storage_settings()
    assert root.endswith("var/media") and storage["BACKEND"].endswith("FileSystemStorage")
    assert storage_settings(FILE_STORAGE_DIR=str(tmp_path))[0] == str(tmp_path)
    s3 = storage_settings(FILE_STORAGE_S3_BUCKET="registry-files", FILE_STORAGE_S3_ENDPOINT_URL="https://s3.example.jp")
    try:
        import storages  # noqa: F401
    except ImportError:  # refused at start, not at the first upload
        assert "FILE_STORAGE_S3_BUCKET needs django-storages" in s3
    else:
        assert s3[1]["BACKEND"] == "storages.backends.s3.S3Storage"
        assert s3[1]["OPTIONS"]["bucket_name"] == "registry-files"
