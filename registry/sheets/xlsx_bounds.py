"""A quick proof, over the bytes of an xlsx sheet, that calamine may read it: every cell within the row and column
limits and every formula with its saved result.

The exact check (``workbooks.scan_part``) calls Python once per XML element, ~0.6 s for a 10,000-row sheet. This
one runs a few regular expressions over each megabyte of the unpacked sheet, up to ``</sheetData>`` (where calamine
stops reading), and is sound because it is strict: it answers True only when every cell's start tag is the plain
``<c r="AB12" …>`` Excel, LibreOffice, openpyxl and XlsxWriter write, with no attribute but the schema's, so that
calamine places each cell where its reference says, and the largest reference of ANY cell (empty or not) is within
the limits. Whatever it is not sure of answers False and leaves the decision, and the message naming the row and
column, to the exact scan: a cell without a plain reference (calamine would count its place), a prefixed element,
a comment, CDATA or DOCTYPE, another encoding, a formula whose saved value is not plain text, or one without it.
"""
import io
import re
import zipfile
import zlib

CHUNK = 1 << 20
MAX_CARRY = 8 << 20  # a "row" longer than this without its end tag: the exact scan streams it
PREFIXED = re.compile(rb":(?:c|row|f|v|is|sheetData)[ \t\r\n/>]")  # an element with a namespace prefix...
TAG_NAME = re.compile(rb"<[^\s<>/!?\"'=]+")  # ...when what comes before the colon is a tag's name
FORMULA = re.compile(rb"<f[ \t\r\n/>]")
INLINE_TEXT = re.compile(rb"<is[ \t\r\n/>]")
SAVED_VALUE = re.compile(rb"<v(?:[ \t\r\n][^>]*)?>([^<]*)</v>")
SHEET_END = re.compile(rb"</(?:[^\s<>/!?]+:)?sheetData[ \t\r\n]*>")
ROW_END = b"</row>"
DECLARATION = re.compile(rb"<\?xml[ \t\r\n][^<>]*?\?>")
ENCODING = re.compile(rb"""encoding[ \t\r\n]*=[ \t\r\n]*["']([A-Za-z0-9._-]+)["']""")
DIGITS, LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def unproven_cell(limits):
    """A pattern that finds the first cell start tag that is not plain or whose reference is past the limits
    (one search per piece, in C, instead of a list of every cell)."""
    columns = at_most(column_letters(limits.columns), LETTERS, LETTERS)
    rows = at_most(str(limits.rows), DIGITS, DIGITS[1:])
    plain = rf'(?:{columns})(?:{rows})"(?: (?:s|t|cm|vm|ph)="[^"<]*")* ?/?>'.encode()
    return re.compile(rb'<c(?! r="' + plain + rb")[ \t\r\n/>]")


def at_most(top, alphabet, first):
    """A pattern for the numbers written in ``alphabet`` (their first character from ``first``: no leading zero)
    that are at most ``top``: fewer characters, or as many and not greater character by character (true of decimal
    numbers and of column letters, A=1 … Z=26, AA=27)."""
    parts = [f"[{first}][{alphabet}]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    for index, character in enumerate(top):
        allowed = first if index == 0 else alphabet
        smaller = allowed[:allowed.index(character)]
        if smaller:
            parts.append(f"{top[:index]}[{smaller}][{alphabet}]{{{len(top) - index - 1}}}")
    return "|".join(parts + [top])


def column_letters(number):
    """28 → "AB"."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = LETTERS[remainder] + letters
    return letters


def sheet_within_limits(content, part, limits):
    """True when the sheet ``part`` of the xlsx ``content`` is proven within ``limits``; False when not sure."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(part) as stream:
            return SheetProof(limits).run(stream)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
        return False


class SheetProof:
    def __init__(self, limits):
        self.unproven = unproven_cell(limits)

    def run(self, stream):
        """The sheet a piece at a time, each ending with a row's end tag (so a formula's cell is whole)."""
        data = stream.read(CHUNK)
        if not plain_utf8(data):
            return False
        while True:
            chunk = stream.read(CHUNK)
            data += chunk
            end = SHEET_END.search(data) if b"sheetData" in data else None
            final = end is not None or not chunk
            if end is not None:
                data = data[:end.start()]
            cut = len(data) if final else data.rfind(ROW_END) + len(ROW_END)
            if not final and cut < len(ROW_END):  # no row ends here yet
                if len(data) > MAX_CARRY:
                    return False
                continue
            if not self.within(data[:cut]):
                return False
            if final:
                return True
            data = data[cut:]

    def within(self, text):
        if b"<!" in text or self.unproven.search(text) or any(map(prefixed, PREFIXED.finditer(text))):
            return False
        return all(has_saved_value(text, formula.start()) for formula in FORMULA.finditer(text))


def prefixed(found):
    """A colon before c, row, f, v, is or sheetData that ends a prefix (not one in a cell's text)."""
    text, colon = found.string, found.start()
    opening = text.rfind(b"<", max(0, colon - 200), colon)
    return opening >= 0 and TAG_NAME.fullmatch(text, opening, colon) is not None


def plain_utf8(start):
    """The part is UTF-8 (declared so, or with no declaration and no byte-order mark of UTF-16)."""
    start = start.removeprefix(b"\xef\xbb\xbf")
    declared = DECLARATION.match(start)
    if declared:
        encoding = ENCODING.search(declared.group())
        return encoding is None or encoding.group(1).lower() in (b"utf-8", b"utf8")
    return start[:1] == b"<" and start[1:2].isalpha()


def has_saved_value(text, position):
    """The formula at ``position`` has its result in its cell: inline text, or a ``<v>`` whose plain text is not
    blank (as the exact scan reads it: entities and other bytes are not sure)."""
    start, end = text.rfind(b"<c ", 0, position), text.find(b"</c>", position)
    if start < 0 or end < 0:
        return False
    cell = text[start:end]
    if INLINE_TEXT.search(cell):
        return True
    value = SAVED_VALUE.search(cell)
    if value is None or b"&" in value.group(1):
        return False
    try:
        return bool(value.group(1).decode("utf-8").strip())
    except UnicodeDecodeError:
        return False
