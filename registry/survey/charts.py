"""Bar charts drawn as inline SVG on the server: no script, no CDN, and they print as they look."""
from django.utils.html import escape
from django.utils.safestring import mark_safe

ROW_HEIGHT = 22
BAR_HEIGHT = 15
LABEL_WIDTH = 170
VALUE_WIDTH = 44
CHART_WIDTH = 600
BAR_FILL = "#1f5f8b"  # where no stylesheet colours the bars (the PDFs); the pages colour them by CSS


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
            f'<rect class="bar" x="{label_width}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" fill="{BAR_FILL}"></rect>'
            f'<text x="{label_width + bar + 4}" y="{y + BAR_HEIGHT - 3}">{value}</text>'
        )
    parts.append(
        f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" y2="{height - 4}" stroke="#829ab1"></line>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


LINE_COLOURS = ("#1f5f8b", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285", "#c2255c", "#5c940d")


def line_chart_svg(x_labels, series, title="", width=CHART_WIDTH, height=260):
    """Lines of (label, values per x) over shared x labels (e.g. survey rounds); one round draws dots."""
    left, right, top, bottom = 40, 150, 10, 30
    plot_width, plot_height = width - left - right, height - top - bottom
    largest = max((value for _label, values in series for value in values), default=0) or 1
    step = plot_width / max(len(x_labels) - 1, 1)

    def point(index, value):
        x = left + (index * step if len(x_labels) > 1 else plot_width / 2)
        return round(x, 1), round(top + plot_height - plot_height * value / largest, 1)

    parts = [
        f'<svg class="chart line" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" y2="{top + plot_height}" '
        f'stroke="#829ab1"></line>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{largest}</text>',
        f'<text x="{left - 6}" y="{top + plot_height}" text-anchor="end">0</text>',
    ]
    for index, label in enumerate(x_labels):
        x, _y = point(index, 0)
        parts.append(f'<text x="{x}" y="{height - 10}" text-anchor="middle">{escape(label)}</text>')
    for number, (label, values) in enumerate(series):
        colour = LINE_COLOURS[number % len(LINE_COLOURS)]
        points = [point(index, value) for index, value in enumerate(values)]
        if len(points) > 1:
            path = " ".join(f"{x},{y}" for x, y in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"></polyline>')
        for (x, y), value in zip(points, values):
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"><title>{escape(label)}: {value}</title>'
                         f"</circle>")
        legend_y = top + 14 * number + 8
        parts.append(f'<rect x="{width - right + 10}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"></rect>'
                     f'<text x="{width - right + 24}" y="{legend_y + 1}">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
