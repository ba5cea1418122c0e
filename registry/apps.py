from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Overseas base registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import history  # noqa: F401  (connects the history signal handlers)
        from . import notifications  # noqa: F401  (a change group by someone else notifies its watchers)
        from . import publishing  # noqa: F401  (a change of a base's public fields renews what is cached)
        from . import roles  # noqa: F401  (keeps role groups in sync, logs role changes)
        from .accounts import tasks  # noqa: F401  (the first sign-in of a day enqueues the accounts' daily task)
        from . import summary  # noqa: F401  (a change of a round's records renews its cached counts)
        from .rounds import records  # noqa: F401  (an open round's records follow every save of a base)

        from django.apps import apps

        # Apps that name themselves in English, untranslated (django-axes "Axes", django-tasks' database backend).
        japanese_names = {"axes": _("Login attempts"), "django_tasks_database": _("Background tasks")}
        for config in apps.get_app_configs():
            if config.label in japanese_names:
                config.verbose_name = japanese_names[config.label]


class RegistryAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the registry's site (registry.admin_site.RegistryAdminSite) as ``admin.site``."""

    default = False

    default_site = "registry.admin_site.RegistryAdminSite"
