"""The contractor list (委託先): its admin import/export resource."""
from import_export import resources

from registry.models import Contractor


class ContractorResource(resources.ModelResource):
    class Meta:
        model = Contractor
        fields = ("id", "name", "kind", "country", "notes")
        skip_unchanged = True
        report_skipped = True
