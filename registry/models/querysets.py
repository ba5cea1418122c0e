from django.db import models


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see or change (NetBox style).

    ``organization_field`` is the lookup path from the model to the Organization
    that owns a row; ``None`` means the model is shared by all organizations
    (contractors, partners) and only model permissions apply.
    """

    organization_field = "organization"

    def restrict(self, user, action="view"):
        from registry.permissions import restrict_queryset

        return restrict_queryset(self, user, action)


class SharedQuerySet(RestrictedQuerySet):
    """Records shared by every organization: visible to anyone with the view permission."""

    organization_field = None
