"""A server process compiles its templates and loads its URLconf when it starts, not on someone's first page."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.forms.renderers import get_default_renderer
from django.template import engines

from registry.models import Base
from registry.core.permissions import Role
from registry.core.warmup import warm_up
from tests.support.factories import make_base
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def compiled_templates():
    """Every template the cached loaders of the site's engines and of the form renderer hold compiled."""
    held = set()
    for backend in [*engines.all(), get_default_renderer().engine]:
        for loader in backend.engine.template_loaders:
            held.update((id(backend), key) for key, template in getattr(loader, "get_template_cache", {}).items()
                        if hasattr(template, "render"))  # not the misses it remembers too
    return held


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLERK])
@pytest.mark.parametrize("page", ["add", "change"])
def test_the_admin_base_form_compiles_no_template_after_the_warm_up(role, page):
    base = make_base("大阪府", countries=["KR", "CN"])
    client = client_for(make_user(role, *(["大阪府"] if role == Role.CLERK else [])))
    warm_up()
    before = compiled_templates()
    url = f"/admin/registry/base/{base.pk}/change/" if page == "change" else "/admin/registry/base/add/"
    response = client.get(url)
    assert response.status_code == 200 and b'class="country-picker' in response.content
    assert compiled_templates() - before == set()
    assert Base.objects.count() == 1


def test_the_server_application_is_warm_once_loaded(tmp_path):
    """What gunicorn loads (config.wsgi) has its URLconf imported and its templates compiled."""
    check = (
        "import sys, config.wsgi\n"
        "from tests.deployment.test_warmup import compiled_templates\n"
        "assert 'registry.public.api.urls' in sys.modules\n"
        "assert any(name == 'admin/change_form.html' for _engine, name in compiled_templates())\n"
        "assert any(name == 'django/forms/widgets/select.html' for _engine, name in compiled_templates())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
