"""Issue 16 item 5: preview uploads do not pile up in var/media."""
import os
import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from registry.models import Agreement
from registry.sheets.uploads import UPLOAD_FOLDER
from tests.support.agreement_sheets import as_text, tie_row
from tests.admin.test_agreements_admin import confirm, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / UPLOAD_FOLDER


def test_a_confirmed_preview_leaves_no_upload_behind(admin_client, uploads):
    preview = upload(admin_client, as_text([tie_row()]))
    assert len(list(uploads.iterdir())) == 1
    assert confirm(admin_client, preview).status_code == 302
    assert Agreement.objects.count() == 1 and list(uploads.iterdir()) == []


def test_previews_left_for_more_than_an_hour_are_deleted(admin_client, uploads):
    upload(admin_client, as_text([tie_row()]))
    (left,) = uploads.iterdir()
    an_hour_ago = time.time() - 3601
    os.utime(left, (an_hour_ago, an_hour_ago))
    fresh = upload(admin_client, as_text([tie_row(partner="ソウル特別市", country="韓国")]))
    assert not left.exists() and len(list(uploads.iterdir())) == 1
    # Confirming the left preview now says what happened and imports nothing.
    for path in uploads.iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))
    response = confirm(admin_client, fresh)
    assert response.status_code == 302 and response["Location"] == reverse("admin:registry_agreement_import")
    assert "プレビューの有効期限が切れています" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert Agreement.objects.count() == 0


def test_an_upload_over_the_limit_is_refused_before_it_is_read(admin_client, uploads, settings):
    settings.SHEET_MAX_UPLOAD_BYTES = 1_000
    preview = upload(admin_client, as_text([tie_row()] * 30))
    assert preview.status_code == 200
    assert "取り込めるのは0.001 MBまでです" in " ".join(preview.context["form"].errors["import_file"])
    assert not uploads.exists() or list(uploads.iterdir()) == []
