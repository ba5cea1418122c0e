"""What the portal has the publication's build (registry/public/publishing_tasks.py) make for its first visitors:
the latest round's overview, the trends, and the cached part of the pages a visitor opens first."""
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from registry.public.portal.data import round_overview, trends
from registry.public.portal.views import HomeView, TrendsView
from registry.public.publishing_tasks import builds_publication

# The pages a visitor opens first: their cached part is rendered too, in every language.
FIRST_PAGES = ((HomeView, "portal:home"), (TrendsView, "portal:trends"))


@builds_publication(10)
def latest_overview(state):
    if state.latest is not None:
        round_overview(state, state.latest)


builds_publication(20)(trends)


@builds_publication(30)
def first_pages(state):
    """The cached part of ``FIRST_PAGES`` as an anonymous visitor's first request (no query) renders it, in every
    language, under the key the page reads it by."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for page, url_name in FIRST_PAGES:
                page.keep_content(state, reverse(url_name))
