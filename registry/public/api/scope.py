"""Who reads what through the API: the public part for everyone, plus the caller's own scope.

Anonymous callers read the published rounds' reported figures and public fields. A signed-in user
(session or token) additionally reads what ``restrict()`` gives their role — the same rule as the
admin and the list pages — with the non-public fields of exactly those rows.
"""
from django.db.models import Q

from registry.core.permissions import is_active_user, readable_organization_ids
from registry.public.publishing import published_rounds
from registry.survey.summary import reported


def public_round_records(queryset):
    """Figures of published rounds as the summary counts them (no closed base, no proposed closing)."""
    return reported(queryset.filter(survey_round__in=published_rounds()))


def visible(queryset, user, public):
    """``public`` rows of ``queryset`` plus the rows ``restrict(user, "view")`` allows."""
    if not is_active_user(user):
        return public
    restricted = queryset.restrict(user, "view")
    return queryset.filter(Q(pk__in=public.values("pk")) | Q(pk__in=restricted.values("pk")))


class Scope:
    """Whether a row's non-public fields may be shown to the caller (computed once per request)."""

    def __init__(self, user, model):
        readable = readable_organization_ids(user, model)
        self.everything = readable is None
        self.allowed = readable or set()

    def covers(self, organization_id):
        return self.everything or organization_id in self.allowed
