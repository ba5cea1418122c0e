"""Minimal Django set-up so the parsing tests run with or without pytest-django."""

import os

import django
from django.apps import apps
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="ja",
        INSTALLED_APPS=["django_countries"],
    )
if not apps.ready:
    django.setup()
