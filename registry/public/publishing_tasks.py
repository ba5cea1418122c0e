"""What the public reads first after a change, built by the tasks worker (django-tasks) instead of a visitor.

Every renewal of the publication's stamp (a round published or corrected, a public record changed: see
``registry.public.publishing.renew_publication``) enqueues ``build_published`` after its commit, once while one is
waiting (registry/public/signals.py connects the two). The task builds, under the state it finds when it runs,
what the first visitor would otherwise wait for, by calling the builders the publishing parts register here
(``builds_publication`` / ``builds_round``, in each part's ``builds.py``): the portal's latest round overview, its
trends and the cached part of its first pages, then every published round's API summary, open data files and
PDFs (list and report), newest first. Each builder is the function the pages call, so what the build keeps is
what a request would have built, and what is still kept (a round whose figures and live tables stand) is not
built again.
"""
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from django_tasks import task

from registry.public.publishing import publication, published_rounds

# A build that was enqueued but never ran (no worker) stops holding the next ones back after this.
QUEUED_SECONDS = 15 * 60

# (order, build): build(state) once per build, build(state, survey_round) for every published round.
PUBLICATION_BUILDERS = []
ROUND_BUILDERS = []


def builds_publication(order):
    """Register ``build(state)``, called once per build in ``order``."""
    return _register(PUBLICATION_BUILDERS, order)


def builds_round(order):
    """Register ``build(state, survey_round)``, called for every published round (newest first) in ``order``."""
    return _register(ROUND_BUILDERS, order)


def _register(builders, order):
    def register(build):
        if (order, build) not in builders:
            builders.append((order, build))
            builders.sort(key=lambda entry: entry[0])
        return build
    return register


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
        for _order, build in PUBLICATION_BUILDERS:
            build(state)
        for survey_round in state.rounds:
            for _order, build in ROUND_BUILDERS:
                build(state, survey_round)
    return len(state.rounds)
