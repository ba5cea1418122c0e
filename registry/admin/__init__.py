from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import agreements, bases, contractors, organizations, places, roles, surveys  # noqa: F401  (registers the admins)

admin.site.site_header = _("Overseas Base Registry")
admin.site.site_title = _("Overseas Base Registry")
admin.site.index_title = _("Records")
