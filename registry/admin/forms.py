from django.utils.translation import gettext_lazy as _

from registry.fields import FiscalYearField
from registry.models import Base

from .scoping import ReasonForm


class BaseAdminForm(ReasonForm):
    established_fy = FiscalYearField(
        label=_("fiscal year established"),
        required=False,
        help_text=_("e.g. H14, 平成14年度, 令和元年度 or 2002"),
    )

    class Meta:
        model = Base
        fields = "__all__"
