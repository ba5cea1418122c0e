from . import agreements, bases, contractors, organizations, places, roles, surveys  # noqa: F401  (registers the admins)

from django.contrib import admin as _admin  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

# django-tasks-db registers its task results on the default site (ours): the registry's import jobs are shown
# on their own pages to the user who started them, never as a raw task table.
if _admin.site.is_registered(DBTaskResult):
    _admin.site.unregister(DBTaskResult)

# django-otp registers its devices there too: their secrets are nobody's to read, not even a superuser's. Second
# factors are enrolled and reset on their own pages (registry/accounts/second_factor_views.py).
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

for _model in (TOTPDevice, StaticDevice):
    if _admin.site.is_registered(_model):
        _admin.site.unregister(_model)
