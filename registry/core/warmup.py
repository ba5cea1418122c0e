"""Work a server process does once at start, so that nobody's first page pays for it.

Without it the first request of each worker imported the URLconf (the API and its schema generator: ~0.4 s),
compiled every template it rendered (the admin's change form and its widgets: ~0.3 s), loaded the Japanese
catalogs and date formats, translated the country list and built the URL reverse table: the first admin form
took 0.5–1.2 s instead of ~0.1 s.
``config/wsgi.py`` and ``config/asgi.py`` call ``warm_up()`` after building the application, before the server
accepts requests. It touches no database.
"""
import gc
from pathlib import Path

from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver, reverse
from django.utils import formats, translation

from registry.core.country_order import country_choices


def template_names(engine):
    """The names of every template file of an engine's directories (project and installed apps)."""
    names = set()
    for directory in engine.template_dirs:
        root = Path(directory)
        names.update(path.relative_to(root).as_posix() for path in root.rglob("*.html"))
    return sorted(names)


def compile_templates(engine, wanted=lambda name: True):
    """Load every (wanted) template once into the engine's cached loader; returns how many compiled."""
    compiled = 0
    for name in filter(wanted, template_names(engine)):
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue  # a file that is not a Django template of this engine (or needs a missing library)
        compiled += 1
    return compiled


def warm_up():
    get_resolver().url_patterns  # noqa: B018 — imports every URL module
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reverse("admin:index")  # builds the reverse table
            formats.get_format("DATE_FORMAT")  # imports the language's format module (~0.09 s)
            country_choices()  # django-countries translates and caches its list per language (~0.15 s)
    for engine in engines.all():
        compile_templates(engine)
    # The form renderer has its own engine, which renders only forms and widgets.
    compile_templates(get_default_renderer().engine,
                      lambda name: name.startswith("django/forms/") or "/widgets/" in name)
    # What is loaded now lives as long as the process: keep it out of the garbage collector's full passes
    # (one fell on the first request and took ~0.3 s walking the compiled templates).
    gc.collect()
    gc.freeze()
