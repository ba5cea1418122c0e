"""Free-text search: which fields a caller's search matches — one rule for the list pages, the admin and the API.

A search matches only text the caller may read. Each model's text fields are either public (anyone reading the
row reads them) or not (a tie's notes, a base's remarks): a non-public field is searched only in the rows of the
organizations whose non-public fields the caller reads (``permissions.readable_organization_ids``), so a count of
results never reveals a text the answer itself would hide (an anonymous ``/api/v1/agreements/?q=`` matched the
notes before, and the count let a note be guessed a character at a time).
"""
from dataclasses import dataclass

from django.db.models import Q

from registry.models import Agreement, Base, BaseRoundRecord, Contractor, Partner
from registry.core.permissions import organization_path, readable_organization_ids


def any_contains(fields, value):
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return condition


@dataclass(frozen=True)
class SearchFields:
    """The text fields of ``model`` a search looks into: ``public`` for every caller, ``private`` only where the
    caller reads them."""

    model: type
    public: tuple
    private: tuple = ()

    def condition(self, value, user):
        """Rows whose readable text contains ``value`` (any case); ``user`` None is treated as anonymous."""
        condition = any_contains(self.public, value)
        readable = readable_organization_ids(user, self.model) if self.private else set()
        if readable is None:
            condition |= any_contains(self.private, value)
        elif readable:
            owner = organization_path(self.model)
            condition |= any_contains(self.private, value) & Q(**{f"{owner}__in": readable})
        return condition


AGREEMENTS = SearchFields(
    Agreement,
    public=("partner__name_ja", "partner__name_en", "partner__name_native", "fields", "intermediaries",
            "source_title", "organization__name"),
    private=("notes",),
)
# A base's own text (its organization's and contractors' names are matched by ``filters.base_text_search``).
BASES = SearchFields(Base, public=("name", "cities"),
                     private=("reason", "activities", "remarks", "form_detail", "department"))
# What a round reported of a base, as the API and the portal show it (its remarks and department are not public).
ROUND_RECORDS = SearchFields(BaseRoundRecord, public=("name", "cities", "contractor__name", "base__organization__name"))
# Contractors are shared records: whoever may view them reads their notes.
CONTRACTORS = SearchFields(Contractor, public=("name",), private=("notes",))
PARTNERS = SearchFields(Partner, public=("name_ja", "name_en", "name_native", "region"))
