from django.db import models


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see or change (NetBox style).

    ``organization_field`` is the lookup path from the model to the Organization
    that owns a row; ``None`` means the model is shared by all organizations
    (contractors, partners) and only model permissions apply.
    """

    organization_field = "organization"

    def restrict(self, user, action="view"):
        from registry.core.permissions import restrict_queryset

        return restrict_queryset(self, user, action)

    def for_organizations(self, organization_ids, action):
        """The rows someone acting for ``organization_ids`` may ``action`` (model permissions aside)."""
        if self.organization_field is None:
            return self
        return self.filter(**{f"{self.organization_field}__in": organization_ids})


class SharedQuerySet(RestrictedQuerySet):
    """Records shared by every organization: visible to anyone with the view permission."""

    organization_field = None


def related_count(rows, field):
    """Per outer row, how many of ``rows`` (already restricted to what the user sees) point at it by ``field``.

    A subquery instead of Count() over the relation, so rows the user may not see are never counted.
    """
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    counted = rows.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(count=Count("*")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
