"""What the public reads first after a change, built by the tasks worker (django-tasks) instead of a visitor.

Every renewal of the publication's stamp (a round published or corrected, a public record changed: see
``registry.public.publishing.renew_publication``) enqueues ``build_published`` after its commit, once while one is
waiting. The task builds, under the state it finds when it runs, what the first visitor would otherwise wait
for — the latest round's overview (the portal's home) and the trends, then those two pages themselves, then
every published round's API summary, open data files and PDFs (list and report), newest first — by calling the
builders and views the pages call: what it keeps is what a request would have built, and what is still kept (a
round whose figures and live tables stand) is not built again.
"""
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation
from django_tasks import task

from registry.public.api.views import public_summary
from registry.public.opendata.tables import BASES
from registry.public.opendata.views import round_file
from registry.public.portal.data import round_overview, trends
from registry.public.publishing import publication, published_rounds
from registry.survey.printable import report_pdf, round_pdf

# A build that was enqueued but never ran (no worker) stops holding the next ones back after this.
QUEUED_SECONDS = 15 * 60
# The portal pages a visitor opens first: their cached content is rendered too, in every language.
FIRST_PAGES = ("portal:home", "portal:trends")


def queued_key():
    return f"publication:build-queued:{connection.vendor}:{connection.settings_dict['NAME']}"


def enqueue_build():
    """Enqueue the build unless there is nothing to build or one is waiting already (it reads the state when it
    starts, so one is enough)."""
    if not published_rounds().exists() or not cache.add(queued_key(), True, QUEUED_SECONDS):
        return None  # nothing published yet (a new registry, local governments loading), or a build waits
    try:
        return build_published.enqueue()
    except Exception:
        cache.delete(queued_key())
        raise


@task(queue_name=settings.IMPORT_TASKS_QUEUE)
def build_published():
    """Build and keep what the public pages, the API summary and the open data show; returns the rounds built."""
    cache.delete(queued_key())  # a change from now on needs a build after this one
    with translation.override(settings.LANGUAGE_CODE):  # as a visitor's first request in the site's language
        state = publication()
        if state.latest is not None:
            round_overview(state, state.latest)
        trends(state)
        render_first_pages()
        for survey_round in state.rounds:
            public_summary(state, survey_round)
            round_file(state, survey_round, BASES.path)  # the round's files are built together
            round_pdf(state, survey_round)
            report_pdf(state, survey_round)
    return len(state.rounds)


def render_first_pages():
    """Render ``FIRST_PAGES`` through their views as an anonymous visitor's request would (each keeps its content
    under the state, its URL and the language: see ``PortalPage``)."""
    factory = RequestFactory()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for name in FIRST_PAGES:
                request = factory.get(reverse(name))
                request.user, request.LANGUAGE_CODE = AnonymousUser(), language
                request.resolver_match = resolve(request.path_info)
                request.resolver_match.func(request).render()
