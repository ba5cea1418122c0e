"""Finding English words in what a page shows (text, titles, placeholders, button labels), for tests."""
import re
from html.parser import HTMLParser

WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Codes rather than words: identifiers, e-mail addresses, web addresses and file names.
CODES = re.compile(r"\S*[_0-9*]\S*|\S+@\S+|https?://\S+|\S+\.(?:xlsx|csv|tsv|txt|jp|js|css)\b")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "data-placeholder"}
# Not shown as words: scripts and styles; <code> holds codes (column keys of a file, commands).
HIDDEN_ELEMENTS = {"script", "style", "template", "noscript", "svg", "code"}


class ShownText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_ELEMENTS:
            self.hidden += 1
        attributes = dict(attrs)
        for name in SHOWN_ATTRIBUTES & attributes.keys():
            self.parts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def shown_text(html):
    parser = ShownText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def data_pattern(values):
    """One pattern matching any of these values as a whole (not inside a longer word)."""
    values = sorted({value for value in values if value}, key=len, reverse=True)
    if not values:
        return None
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, values)) + r")(?![A-Za-z])")


def english_lines(html, allowed=frozenset(), data=()):
    """The lines of what a page shows that hold English words, apart from the allowed words, codes and data."""
    found = []
    data_values = data if isinstance(data, re.Pattern) else data_pattern(data)
    for line in shown_text(html).splitlines():
        text = data_values.sub(" ", line) if data_values is not None else line
        text = CODES.sub(" ", text)
        if any(word not in allowed for word in WORD.findall(text)):
            found.append(line)
    return found
