"""Reading single survey values: the form cell, contractor kinds, organization names."""
import difflib
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from registry.models import Contractor, Organization

FORM_WORDS = (("独自", "a"), ("機関", "b"), ("業務委託", "c"), ("委託", "c"), ("その他", "d"))
HOST_PREFIX = re.compile(r"^機関等派遣\s*")
WRAPPED = re.compile(r"^[(（\[［](?P<inner>.*)[)）\]］]$")
PUBLIC_BODY_WORDS = ("財団", "社団", "協会", "機構", "センター", "公社", "省", "庁", "市役所", "大学", "中心")


class ValueProblem(ValueError):
    """A cell whose value cannot be used; the message is shown to the user."""


@dataclass
class FormCell:
    letter: str
    detail: str
    host_name: str = ""


def parse_form_cell(text):
    text = (text or "").strip()
    if not text:
        raise ValueProblem(_("the form (a, b, c or d) is missing"))
    first = unicodedata.normalize("NFKC", text[0]).lower()
    if first in "abcd" and (len(text) == 1 or not text[1].isalpha() or not text[1].isascii()):
        letter, detail = first, text[1:].strip()
    else:
        letter = next((letter for word, letter in FORM_WORDS if text.startswith(word)), None)
        detail = text
        if letter is None:
            raise ValueProblem(_("「%(text)s」 is not a form a, b, c or d") % {"text": text})
    return FormCell(letter=letter, detail=detail, host_name=host_name(letter, detail))


def host_name(letter, detail):
    """The host body a form-b base is dispatched to: 「機関等派遣(JETRO)」 → JETRO."""
    if letter != "b":
        return ""
    rest = HOST_PREFIX.sub("", detail).strip()
    wrapped = WRAPPED.match(rest)
    if wrapped and "(" not in wrapped["inner"] and "（" not in wrapped["inner"]:
        rest = wrapped["inner"].strip()
    return rest


def guess_contractor_kind(name, *, hosting=False):
    if hosting:
        return Contractor.Kind.HOST_AGENCY
    if name.startswith("個人") or name.endswith("氏"):
        return Contractor.Kind.INDIVIDUAL
    if any(word in name for word in PUBLIC_BODY_WORDS):
        return Contractor.Kind.PUBLIC_BODY
    return Contractor.Kind.COMPANY


def character_likeness(a, b):
    """1 for the same character; for two kanji, closeness in Unicode, which orders them by radical.

    OCR confuses kanji that share a radical (祿 and 祢 both carry 礻), and those sit near each other.
    """
    if a == b:
        return 1.0
    if "\u4e00" <= a <= "\u9fff" and "\u4e00" <= b <= "\u9fff":
        return max(0.0, 1 - abs(ord(a) - ord(b)) / 500)
    return 0.0


def closest_names(name, candidates, count=3):
    """Names most like ``name``, best first (美祿市 → 美祢市)."""
    close = difflib.get_close_matches(name, list(candidates), n=15, cutoff=0.5)

    def score(candidate):
        same_place = sum(character_likeness(a, b) for a, b in zip(name, candidate))
        return difflib.SequenceMatcher(None, name, candidate).ratio() + same_place / max(len(name), len(candidate))

    return sorted(close, key=score, reverse=True)[:count]


# How many unknown organization names get suggestions (as many as an outcome lists errors).
SUGGESTED_NAMES = 200


class OrganizationIndex:
    """Finds organizations by the names and aliases a survey sheet uses.

    Each distinct name is resolved once (a file may name the same unknown organization on every row), and
    only the first ``SUGGESTED_NAMES`` unknown names get difflib's closest names (10–25 ms each): an outcome
    lists no more errors than that (``outcome.ERRORS_LISTED``), in row order."""

    def __init__(self):
        self.by_name = {}
        self.by_code = {}
        self.resolved = {}  # name → its organization, or the message saying why it has none
        self.suggested = 0
        prefectures = set()
        for organization in Organization.objects.select_related("prefecture"):
            self.by_name.setdefault(organization.name, []).append(organization)
            self.by_code[organization.code] = organization
            if organization.prefecture:
                prefectures.add(organization.prefecture.name)
        self.prefecture_names = sorted(prefectures, key=lambda name: (-len(name), name))
        for organization in Organization.objects.filter(aliases__isnull=False).distinct():
            for alias in organization.aliases.all():
                self.by_name.setdefault(alias.name, []).append(organization)

    def find(self, text):
        name = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
        if not name:
            raise ValueProblem(_("the organization name is missing"))
        if name not in self.resolved:
            self.resolved[name] = self.resolve(name)
        found = self.resolved[name]
        if isinstance(found, str):
            raise ValueProblem(found)
        return found

    def resolve(self, name):
        if name in self.by_code:
            return self.by_code[name]
        matches = self.by_name.get(name) or self.with_prefecture_prefix(name)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            places = "、".join(f"{m.prefecture.name}{m.name}({m.code})" for m in matches if m.prefecture)
            return (_("「%(name)s」 is ambiguous: write the prefecture before it or the organization code (%(places)s)")
                    % {"name": name, "places": places})
        return _("unknown organization 「%(name)s」 (did you mean: %(hint)s)") % {"name": name,
                                                                               "hint": self.suggestion(name)}

    def suggestion(self, name):
        if self.suggested >= SUGGESTED_NAMES:
            return "…"
        self.suggested += 1
        suggestions = closest_names(name, self.by_name)
        return "、".join(f"{s}?" for s in suggestions) if suggestions else _("no similar name")

    def with_prefecture_prefix(self, name):
        """「大阪府池田市」: the organization of that name in that prefecture."""
        for prefix in self.prefecture_names:
            if name.startswith(prefix) and name != prefix:
                found = [o for o in self.by_name.get(name[len(prefix):], ())
                         if o.prefecture and o.prefecture.name == prefix]
                if found:
                    return found
        return []
