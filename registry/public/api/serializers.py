"""What each API resource shows. Fields marked non-public appear only for rows in the caller's own scope."""
from django_countries import countries as all_countries
from rest_framework import serializers

from registry.models import Agreement, BaseRoundRecord, Organization, Partner, SurveyRound
from registry.public.opendata.tables import FORM_LABELS_JA, agreement_id, base_id
from registry.parsing.dates import format_partial_date_iso
from registry.parsing.text import split_multi


class ScopedSerializer(serializers.ModelSerializer):
    """Drops ``Meta.private_fields`` from rows outside the caller's scope (``context["scope"]``)."""

    def owner_id(self, instance):
        raise NotImplementedError

    def get_fields(self):
        # Read-only fields are optional in the schema (COMPONENT_NO_READ_ONLY_REQUIRED): private ones may be absent.
        fields = super().get_fields()
        for name in self.Meta.private_fields:
            fields[name].read_only, fields[name].required = True, False
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        scope = self.context.get("scope")
        if scope is None or not scope.covers(self.owner_id(instance)):
            for name in self.Meta.private_fields:
                data.pop(name, None)
        return data


class CountryList(serializers.ListField):
    child = serializers.CharField(min_length=2, max_length=2)

    def to_representation(self, value):
        return [str(code) for code in value]


class OrganizationSerializer(serializers.ModelSerializer):
    prefecture_code = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["code", "name", "name_kana", "name_en", "kind", "prefecture_code"]

    def get_prefecture_code(self, organization) -> str:
        return organization.home_prefecture.code


class RoundSerializer(serializers.ModelSerializer):
    published = serializers.SerializerMethodField()

    class Meta:
        model = SurveyRound
        fields = ["reference_date", "title", "published"]

    def get_published(self, survey_round) -> bool:
        return survey_round.pk in self.context["published"]


class BaseRecordSerializer(ScopedSerializer):
    base_id = serializers.SerializerMethodField()
    round = serializers.DateField(source="survey_round.reference_date")
    organization = serializers.CharField(source="base.organization.code")
    organization_name = serializers.CharField(source="base.organization.name")
    number = serializers.IntegerField(source="base.number")
    countries = CountryList()
    country_names = serializers.SerializerMethodField()
    cities = serializers.SerializerMethodField()
    form_label = serializers.SerializerMethodField()
    contractor = serializers.CharField(source="contractor.name", allow_null=True, default=None)
    staff_total = serializers.IntegerField()

    class Meta:
        model = BaseRoundRecord
        fields = ["id", "base_id", "round", "organization", "organization_name", "number", "name", "countries",
                  "country_names", "cities", "form", "form_label", "contractor", "established_fy",
                  "staff_dispatched", "staff_local", "staff_total",
                  "status", "review_state", "department", "url", "remarks"]
        private_fields = ["status", "review_state", "department", "url", "remarks"]

    def owner_id(self, record):
        return record.base.organization_id

    def get_base_id(self, record) -> str:
        return base_id(record.base.organization.code, record.base_id)

    def get_country_names(self, record) -> list[str]:
        return [str(all_countries.name(str(code))) for code in record.countries]

    def get_cities(self, record) -> list[str]:
        return split_multi(record.cities)

    def get_form_label(self, record) -> str:
        return FORM_LABELS_JA[record.form]


class PartnerSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Partner
        fields = ["id", "name_ja", "name_native", "name_en", "country", "region", "kind"]


class AgreementSerializer(ScopedSerializer):
    agreement_id = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.code")
    organization_name = serializers.CharField(source="organization.name")
    partner = PartnerSerializer()
    signed = serializers.SerializerMethodField()
    ends = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["id", "agreement_id", "organization", "organization_name", "partner", "agreement_type",
                  "signed", "signed_precision", "ends", "ends_precision", "fields", "intermediaries",
                  "source_title", "source_url", "notes"]
        private_fields = ["notes"]

    def owner_id(self, agreement):
        return agreement.organization_id

    def get_agreement_id(self, agreement) -> str:
        return agreement_id(agreement)

    def get_signed(self, agreement) -> str:
        """ISO 8601 as precise as known: 1980-11-21, 2023-10 or 2002; empty when unknown."""
        return format_partial_date_iso(agreement.signed_on, agreement.signed_precision)

    def get_ends(self, agreement) -> str:
        return format_partial_date_iso(agreement.ends_on, agreement.ends_precision)


class FiguresSerializer(serializers.Serializer):
    total = serializers.FloatField()
    dispatched = serializers.FloatField()
    local = serializers.FloatField()


class FormCountsSerializer(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    c = serializers.IntegerField()
    d = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    """The survey's own summary table (registry/survey/summary.py, as ``survey_summary`` prints it)."""

    round = serializers.DateField()
    scope = serializers.ChoiceField(choices=["public", "own"])
    organizations = serializers.IntegerField()
    bases = serializers.IntegerField()
    countries = serializers.IntegerField()
    cities = serializers.IntegerField()
    forms = FormCountsSerializer()
    staff = FiguresSerializer()
    average = FiguresSerializer()

