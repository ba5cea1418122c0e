"""Read-only API views: every list is paginated, filtered by the list pages' FilterSets and scoped by ``Scope``."""
from django.conf import settings
from django.http import Http404
from django.utils.http import http_date
from django.utils.translation import get_language
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from registry.public.api.filters import (
    ROUND_DATE,
    OrganizationFilterSet,
    PartnerFilterSet,
    PublicAgreementFilterSet,
    RoundRecordFilterSet,
)
from registry.public.api.scope import Scope, public_round_records, visible
from registry.public.api.serializers import (
    AgreementSerializer,
    BaseRecordSerializer,
    OrganizationSerializer,
    PartnerSerializer,
    RoundSerializer,
    SummarySerializer,
)
from registry.accounts.client_address import client_address
from registry.models import Agreement, BaseRoundRecord, Organization, Partner, SurveyRound
from registry.core.permissions import is_active_user
from registry.public.publishing import publication, published_rounds
from registry.survey.summary import survey_summary


def public_summary(state, survey_round):
    """A published round's summary as anyone reads it, kept while its figures and the live tables stand."""
    return state.round_cached(lambda: survey_summary(survey_round), survey_round, "summary")


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CallerRateMixin:
    """Rates from settings.API_THROTTLE_RATES, read per request (so a deployment or a test can change them);
    an anonymous caller is its client address as the lockout and the access log see it."""

    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        return client_address(request)


class AnonymousCallerThrottle(CallerRateMixin, AnonRateThrottle):
    """Per address."""


class SignedInCallerThrottle(CallerRateMixin, UserRateThrottle):
    """Per user, however many tokens or sessions they use (anonymous callers have their own throttle)."""

    def get_cache_key(self, request, view):
        if not is_active_user(request.user):
            return None
        return super().get_cache_key(request, view)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pages
    filter_backends = [DjangoFilterBackend]
    throttle_classes = [AnonymousCallerThrottle, SignedInCallerThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        """Last-Modified: the last change of any published record (ETags come from ConditionalGetMiddleware)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and request.method in ("GET", "HEAD"):
            last_modified = publication(request._request).last_modified
            if last_modified is not None:
                response["Last-Modified"] = http_date(last_modified.timestamp())
        return response

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["scope"] = Scope(self.request.user, self.queryset.model)
        context["published"] = {r.pk for r in publication(self.request._request).rounds}
        return context

    def public_answer(self, build):
        """What an anonymous caller gets (only published data, the same for everyone) is kept per state of the
        published data, per URL (its links name the host) and per language (country names follow the caller's
        Accept-Language); a signed-in caller's answer is built each time."""
        if is_active_user(self.request.user):
            return Response(build())
        state = publication(self.request._request)
        return Response(state.cached(build, "api", self.request.build_absolute_uri(), get_language()))

    def list(self, request, *args, **kwargs):
        return self.public_answer(lambda: super(ReadOnlyViewSet, self).list(request, *args, **kwargs).data)


class RoundViewSet(ReadOnlyViewSet):
    """Survey rounds: the published ones, and for staff every round they may see."""

    queryset = SurveyRound.objects.all()
    serializer_class = RoundSerializer
    lookup_field = "reference_date"
    lookup_value_regex = ROUND_DATE

    def get_queryset(self):
        return visible(SurveyRound.objects.all(), self.request.user, published_rounds()).order_by("-reference_date")

    def get_object(self):
        try:
            return super().get_object()
        except Exception as error:  # an impossible date such as 2017-02-30
            if isinstance(error, Http404):
                raise
            raise Http404 from error

    @extend_schema(responses=SummarySerializer, filters=False)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def summary(self, request, reference_date=None):
        """The round's summary table, counted as ``survey_summary`` counts it.

        A published round gives its public figures; an unpublished one the figures of the caller's own scope.
        """
        survey_round = self.get_object()
        if survey_round.pk in self.get_serializer_context()["published"]:
            data = public_summary(publication(request._request), survey_round)
            scope = "public"
        else:
            data, scope = survey_summary(survey_round, request.user), "own"
        return Response(SummarySerializer({"round": survey_round.reference_date, "scope": scope, **data}).data)


class BaseRecordViewSet(ReadOnlyViewSet):
    """Overseas bases as each round reported them: one entry per base per round."""

    queryset = BaseRoundRecord.objects.all()
    serializer_class = BaseRecordSerializer
    filterset_class = RoundRecordFilterSet

    def get_queryset(self):
        records = BaseRoundRecord.objects.all()
        return (
            visible(records, self.request.user, public_round_records(records))
            .select_related("survey_round", "base__organization", "contractor")
            .order_by("-survey_round__reference_date", "base__organization__code", "base__number")
        )


class AgreementViewSet(ReadOnlyViewSet):
    """Partnership agreements (sister cities, friendship ties, MOUs); all ties are public, notes are not."""

    queryset = Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = PublicAgreementFilterSet

    def get_queryset(self):
        return Agreement.objects.select_related("organization", "partner").order_by("organization__code", "pk")


class PartnerViewSet(ReadOnlyViewSet):
    """Foreign regions, cities and bodies tied to Japanese local governments."""

    queryset = Partner.objects.all()
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet

    def get_queryset(self):
        return Partner.objects.order_by("country", "name_ja", "pk")


class OrganizationViewSet(ReadOnlyViewSet):
    """Japanese local governments by their 全国地方公共団体コード."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{6}"

    def get_queryset(self):
        return Organization.objects.select_related("prefecture").order_by("code")
