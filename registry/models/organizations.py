from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.core.history import TrackedHistory

from .querysets import RestrictedQuerySet

# 地方区分: prefecture numbers (first two digits of the code) of each region.
REGIONS = {
    "hokkaido": (_("Hokkaido"), range(1, 2)),
    "tohoku": (_("Tohoku"), range(2, 8)),
    "kanto": (_("Kanto"), range(8, 15)),
    "chubu": (_("Chubu"), range(15, 24)),
    "kinki": (_("Kinki"), range(24, 31)),
    "chugoku": (_("Chugoku"), range(31, 36)),
    "shikoku": (_("Shikoku"), range(36, 40)),
    "kyushu": (_("Kyushu-Okinawa"), range(40, 48)),
}
REGION_CHOICES = [(key, label) for key, (label, _numbers) in REGIONS.items()]


def region_of_prefecture_number(number):
    for key, (_label, numbers) in REGIONS.items():
        if number in numbers:
            return key
    return None


def prefecture_numbers_of_region(region):
    return list(REGIONS[region][1])


def lg_check_digit(first_five):
    """Check digit of a 全国地方公共団体コード from its first five digits."""
    weights = (6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first_five, weights)) % 11
    return (11 - remainder) % 10


def validate_lg_code(value):
    if len(value) != 6 or not value.isdigit():
        raise ValidationError(_("An organization code has six digits."), code="format")
    if lg_check_digit(value[:5]) != int(value[5]):
        raise ValidationError(
            _("%(code)s fails its check digit (expected %(digit)s)."),
            code="check_digit",
            params={"code": value, "digit": lg_check_digit(value[:5])},
        )


class OrganizationQuerySet(RestrictedQuerySet):
    organization_field = "pk"


class Organization(models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        DESIGNATED_CITY = "designated_city", _("Designated city")
        CITY = "city", _("City")
        SPECIAL_WARD = "special_ward", _("Special ward")
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("organization code"), max_length=6, unique=True, validators=[validate_lg_code])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    prefecture = models.ForeignKey(
        "self",
        verbose_name=_("prefecture"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="municipalities",
        limit_choices_to={"kind": Kind.PREFECTURE},
    )
    name = models.CharField(_("name"), max_length=50, db_index=True)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    objects = OrganizationQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["code"]

    def __str__(self):
        if self.kind == self.Kind.PREFECTURE or self.prefecture is None:
            return self.name
        return f"{self.name}（{self.prefecture.name}）"

    @property
    def prefecture_number(self):
        return int(self.code[:2])

    @property
    def region(self):
        return region_of_prefecture_number(self.prefecture_number)

    def get_region_display(self):
        return dict(REGION_CHOICES).get(self.region, "")

    @property
    def home_prefecture(self):
        """The prefecture an organization belongs to (a prefecture is its own). The same rule read from rows:
        ``registry.survey.summary.home_prefecture`` (an SQL expression) and ``registry.staff.columns.home_prefecture_name``
        (from ``values()``); tests/survey/test_summary_counts.py and tests/staff/test_downloads.py hold both to this one."""
        return self if self.kind == self.Kind.PREFECTURE else self.prefecture


class OrganizationAlias(models.Model):
    """Another spelling of an organization met in survey sheets (e.g. the OCR error 美祿市)."""

    name = models.CharField(_("alias"), max_length=50, unique=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="aliases"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = TrackedHistory()

    class Meta:
        verbose_name = _("organization alias")
        verbose_name_plural = _("organization aliases")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} → {self.organization.name}"
