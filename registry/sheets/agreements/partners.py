"""One partner record per foreign partner, however many Japanese ties it has and in whichever language a sheet names it.

A row's partner is the existing partner of the same country one of whose names (Japanese, native or English)
has the same match key as one of the row's names; 上海市 from one organization's sheet and Shanghai from
another's are one partner once a sheet has given both names. Names the partner lacks are filled in;
names it already has are kept (a different spelling is reported, not applied).
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registry.models import Partner
from registry.parsing.text import match_key

from registry.sheets.values import ValueProblem

NAME_ATTRIBUTES = ("name_ja", "name_native", "name_en")


@dataclass
class PartnerPlan:
    """The partner a row points at and what the row would add to it."""

    partner: Partner
    is_new: bool = False
    fills: dict = field(default_factory=dict)  # attribute → value the partner lacks
    kept: list = field(default_factory=list)  # (attribute, registry's value, sheet's value) that differ
    before: Partner = None  # the partner as it was before this row's fills, to show what they change

    def keep_existing(self):
        """Add nothing to an existing partner (the importing user may not change partners)."""
        if not self.is_new:
            self.kept.extend((attribute, getattr(self.partner, attribute), value)
                             for attribute, value in self.fills.items() if attribute in NAME_ATTRIBUTES)
            self.fills = {}

    def apply(self, copy):
        """Put the fills on the partner in memory (the import writes it later), so later rows match by them."""
        self.before = copy(self.partner)
        for attribute, value in self.fills.items():
            setattr(self.partner, attribute, value)
        self.partner.set_match_keys()


def row_keys(names):
    return {key for key in (match_key(name) for name in names.values() if name) if key}


class PartnerIndex:
    """Partners by country and name key, loaded once per import with one query; partners the import would
    create or fill are kept in it so later rows find them."""

    def __init__(self, partners=()):
        self.by_key = {}  # (country, match key) → partners
        self.order = {}  # id(partner) → position, so matches are listed as loaded
        for partner in partners:
            self.add(partner)

    @classmethod
    def load(cls, countries):
        return cls(Partner.objects.filter(country__in=set(countries)).order_by("pk"))

    def add(self, partner):
        self.order.setdefault(id(partner), len(self.order))
        country = getattr(partner.country, "code", partner.country)
        for key in partner.match_keys:
            listed = self.by_key.setdefault((country, key), [])
            if partner not in listed:
                listed.append(partner)

    def find(self, names, country):
        found = {id(partner): partner for key in row_keys(names) for partner in self.by_key.get((country, key), ())}
        matches = sorted(found.values(), key=lambda partner: self.order[id(partner)])
        if len(matches) > 1:
            listed = "、".join(f"{partner} (#{partner.pk})" if partner.pk is not None else str(partner)
                              for partner in matches)  # a partner an earlier row of the file adds has no number
            raise ValueProblem(_("the names match several partners (%(partners)s): correct the names so they "
                                 "match one") % {"partners": listed})
        return matches[0] if matches else None

    def fill(self, plan, copy):
        """Put a row's fills on its partner; later rows find the partner by its new names too."""
        plan.apply(copy)
        self.add(plan.partner)

    def plan(self, names, country, region="", kind=None, guess_kind=None):
        partner = self.find(names, country)
        if partner is None:
            new = Partner(country=country, region=region or "", kind=kind or guess_kind(list(names.values())),
                          **{attribute: names.get(attribute, "") for attribute in NAME_ATTRIBUTES})
            new.set_match_keys()
            self.add(new)
            return PartnerPlan(partner=new, is_new=True)
        plan = PartnerPlan(partner=partner)
        for attribute in NAME_ATTRIBUTES:
            value, current = names.get(attribute, ""), getattr(partner, attribute)
            if value and not current:
                plan.fills[attribute] = value
            elif value and match_key(value) != match_key(current):
                plan.kept.append((attribute, current, value))
        if region and not partner.region:
            plan.fills["region"] = region
        return plan
