"""Bar charts drawn as inline SVG on the server: no script, no CDN, and they print as they look."""
from django.utils.html import escape
from django.utils.safestring import mark_safe

ROW_HEIGHT = 22
BAR_HEIGHT = 15
LABEL_WIDTH = 170
VALUE_WIDTH = 44
CHART_WIDTH = 600


def bar_chart_svg(items, title="", width=CHART_WIDTH, label_width=LABEL_WIDTH):
    """A horizontal bar chart of (label, value) pairs, largest scale taken from the data."""
    items = [(str(label), value) for label, value in items]
    top = 6
    height = top + ROW_HEIGHT * max(len(items), 1) + 6
    scale_width = width - label_width - VALUE_WIDTH
    largest = max((value for _label, value in items), default=0) or 1
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = top + index * ROW_HEIGHT
        bar = round(scale_width * value / largest, 1)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + BAR_HEIGHT - 3}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{bar}" height="{BAR_HEIGHT}"></rect>'
            f'<text x="{label_width + bar + 4}" y="{y + BAR_HEIGHT - 3}">{value}</text>'
        )
    parts.append(
        f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" y2="{height - 4}" stroke="#829ab1"></line>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))
