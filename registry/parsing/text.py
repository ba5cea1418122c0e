"""Clean-up helpers for values read from survey spreadsheet cells."""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Cell contents that clerks use to mean "nothing here" (compared after NFKC).
BLANK_MARKERS = frozenset(
    {"-", "ー", "―", "—", "−", "–", "‐", "なし", "無し"}
)

# Legal-form markers removed by match_key(); longest first so that
# 公益財団法人 is not half-eaten by 財団法人.
LEGAL_FORMS = (
    "公益財団法人", "一般財団法人", "公益社団法人", "一般社団法人",
    "財団法人", "社団法人", "株式会社", "有限会社", "合同会社",
    "合資会社", "合名会社",
    "(公財)", "(一財)", "(公社)", "(一社)",
    "(株)", "(有)", "(財)", "(社)", "(同)", "(資)", "(名)",
)
_LEGAL_FORM_RE = re.compile(
    "|".join(re.escape(form) for form in sorted(LEGAL_FORMS, key=len, reverse=True))
)

_SEPARATORS = frozenset("/、,;\n")
_OPENING = {"(": ")", "[": "]", "「": "」"}
_INT_SUFFIXES = ("名", "人")
_NEGATIVE_SIGNS = ("-", "−", "–")
_WHITESPACE_RE = re.compile(r"\s+")
_THOUSANDS_RE = re.compile(r"\d{1,3}(,\d{3})+")

# A sheet repeats the same short cells on thousands of rows (organizations, countries, cities, forms, counts,
# fiscal years): the pure readers of a cell's text marked ``@per_text`` work out each distinct text once, keeping
# the CACHED_TEXTS most recently read. Longer texts (free text, seldom repeated) are read every time, never kept.
CACHED_TEXT_CHARS = 100
CACHED_TEXTS = 16384


def per_text(function):
    """``function(value)`` worked out once per distinct short text (other values: on every call).

    Only for pure functions of the value whose result is immutable; an error is raised again on every call."""
    cached = functools.lru_cache(maxsize=CACHED_TEXTS)(function)

    @functools.wraps(function)
    def read(value):
        if isinstance(value, str) and len(value) <= CACHED_TEXT_CHARS:
            return cached(value)
        return function(value)

    read.cache_clear = cached.cache_clear
    return read


# Characters no cell, form field or download keeps: C0 controls other than tab, line feed and carriage return,
# DEL, and the noncharacters U+FFFE and U+FFFF (XML 1.0, and so xlsx, cannot hold them). Word's soft line break
# (vertical tab) and the form feed become line breaks.
_LINE_BREAK_CONTROLS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff]")
_UNWANTED_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character ``clean_control_characters`` would change or drop."""
    return _UNWANTED_RE.search(text) is not None


def clean_control_characters(text: str) -> str:
    """Text without control characters (which xlsx cannot hold and PostgreSQL refuses as NUL)."""
    if not has_control_characters(text):  # the usual case, checked once
        return text
    return _CONTROL_RE.sub("", text.translate(_LINE_BREAK_CONTROLS))


def plain_text(value) -> str:
    """Free text as written: stripped, with dash-only cells as '' but no NFKC."""
    if value is None or not isinstance(value, str):
        return normalize_cell(value)
    text = value.strip()
    return "" if unicodedata.normalize("NFKC", text) in BLANK_MARKERS else text


def normalize_cell(value) -> str:
    """Return a cell value as clean text ('' for empty or dash-only cells)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _normalized_text(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        return _number_text(value)
    return _normalized_text(str(value))


@per_text
def _normalized_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    text = " ".join(text.split())
    return "" if text in BLANK_MARKERS else text


def _number_text(number: float | Decimal) -> str:
    if isinstance(number, Decimal) and number.is_nan() or number != number:  # NaN, e.g. an empty cell
        return ""
    if abs(number) < 10**15 and number == int(number):  # whole numbers as Excel shows them
        return str(int(number))
    return str(number)  # fractions, infinity, and numbers too large to be counts or years


@per_text
def label_key(text) -> str:
    """A header label as compared: NFKC, no whitespace, upper case (「拠点 No」 = 「拠点ＮＯ」)."""
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", str(text or ""))).upper()


@per_text
def match_key(name) -> str:
    """Return a key for comparing organisation names.

    Legal-form markers (株式会社, ㈱, (一社) ...) are removed wherever they
    appear, so 「㈱フォーバル」, 「株式会社 フォーバル」 and 「フォーバル株式会社」
    share one key. Case, whitespace and punctuation are ignored as well.
    """
    text = normalize_cell(name)
    text = _LEGAL_FORM_RE.sub("", text).casefold()
    return "".join(ch for ch in text if not _is_ignorable(ch))


def _is_ignorable(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "PZ" or ch.isspace()


def split_multi(cell) -> list[str]:
    """Split a cell listing several places into unique, non-empty items.

    Splits on / 、 , ; newlines and whitespace (but not on a space between
    two Latin letters, so "Hong Kong" stays whole), and on ・ only when every
    part is made of CJK ideographs (上海・香港). Text in brackets is never split.
    """
    return list(_split_items(cell))


@per_text
def _split_items(cell) -> tuple[str, ...]:
    if cell is None:
        return ()
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    items: list[str] = []
    for chunk in split_outside_brackets(text, _is_separator):
        for item in _split_nakaguro(chunk):
            item = item.strip()
            if item and item not in BLANK_MARKERS and item not in items:
                items.append(item)
    return tuple(items)


def split_outside_brackets(text: str, is_separator, brackets=None) -> list[str]:
    """Split where ``is_separator(text, index, chunk so far)`` holds outside brackets (by default ( [ 「)."""
    opening = _OPENING if brackets is None else brackets
    closing = frozenset(opening.values())
    chunks, current, depth = [], [], 0
    for index, ch in enumerate(text):
        if ch in opening:
            depth += 1
        elif ch in closing and depth:
            depth -= 1
        if depth == 0 and is_separator(text, index, current):
            chunks.append("".join(current))
            current = []
        else:
            current.append(ch)
    chunks.append("".join(current))
    return chunks


def _is_separator(text: str, index: int, _chunk=None) -> bool:
    ch = text[index]
    if ch in _SEPARATORS:
        return True
    if not ch.isspace():
        return False
    before = text[:index].rstrip()[-1:]
    after = text[index + 1:].lstrip()[:1]
    return not (_is_latin(before) and _is_latin(after))


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _split_nakaguro(chunk: str) -> list[str]:
    parts = chunk.split("・")
    if len(parts) > 1 and all(_is_ideographic(part.strip()) for part in parts):
        return parts
    return [chunk]


def _is_ideographic(text: str) -> bool:
    return bool(text) and all(
        ch in "々〆ヶ" or unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")
        for ch in text
    )


@per_text
def parse_int_cell(value) -> int | None:
    """Read a non-negative whole number such as 3, '3名', '1.0' (None if blank)."""
    if isinstance(value, bool):
        raise ValueError(f"数値ではありません: {value!r}")
    text = normalize_cell(value).replace(" ", "")
    if not text:
        return None
    for suffix in _INT_SUFFIXES:
        text = text.removesuffix(suffix)
    if _THOUSANDS_RE.fullmatch(text):
        text = text.replace(",", "")
    if text.startswith(_NEGATIVE_SIGNS):
        raise ValueError(f"負の数は入力できません: {value!r}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"数値ではありません: {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"整数ではありません: {value!r}")
    if number >= 10**9:  # no count is that large (and 1e999999999 would take minutes to expand)
        raise ValueError(f"数が大きすぎます: {value!r}")
    return int(number)
