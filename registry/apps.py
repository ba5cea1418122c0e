from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin import apps as admin_apps
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Overseas base registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from registry.core import history  # noqa: F401  (connects the history signal handlers)
        from registry.staff import notifications  # noqa: F401  (a change group by someone else notifies its watchers)
        from registry.public import publishing  # noqa: F401  (a change of a base's public fields renews what is cached)
        from registry.accounts import roles  # noqa: F401  (keeps role groups in sync, logs role changes)
        from registry.survey import summary  # noqa: F401  (a change of a round's records renews its cached counts)
        from registry.survey import records  # noqa: F401  (an open round's records follow every save of a base)
        from registry.accounts import tasks  # noqa: F401  (the first sign-in of a day enqueues the accounts' daily task)

        from django.apps import apps

        # Apps that name themselves in English, untranslated (django-axes "Axes", django-tasks' database backend).
        japanese_names = {"axes": _("Login attempts"), "django_tasks_database": _("Background tasks")}
        for config in apps.get_app_configs():
            if config.label in japanese_names:
                config.verbose_name = japanese_names[config.label]


class RegistryAdminSite(admin.AdminSite):
    """The registry's admin site: Japanese titles, and signing in leads to the home page (``/``), not the app list.

    It lives here, not in registry.admin: importing that package registers every admin into the site."""

    site_header = _("Overseas Base Registry")
    site_title = _("Overseas Base Registry")
    index_title = _("Records")
    site_url = "/"
    enable_nav_sidebar = False  # the header's navigation (registry/includes/site_header.html) takes its place

    def login(self, request, extra_context=None):
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            extra_context = {REDIRECT_FIELD_NAME: reverse("registry:home"), **(extra_context or {})}
        return super().login(request, extra_context)


class RegistryAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the registry's site (registry.apps.RegistryAdminSite) as ``admin.site``."""

    default = False

    default_site = "registry.apps.RegistryAdminSite"
