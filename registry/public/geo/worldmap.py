"""A world map drawn as inline SVG on the server, like the report's charts: no tiles, no script, no CDN.

Country shapes are Natural Earth's 1:110m (public domain), vendored as TopoJSON from the ``world-atlas``
package in ``fixtures/natural_earth/``. Countries are shaded by a count; places are drawn as points.
The projection is plate carrée cropped to the inhabited latitudes.
"""
import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django_countries import countries as all_countries

SHAPES = Path(settings.BASE_DIR) / "fixtures" / "natural_earth" / "countries-110m.json"
WIDTH = 960
NORTH, SOUTH = 84.0, -58.0
HEIGHT = round(WIDTH * (NORTH - SOUTH) / 360)
# Light to dark: the more bases, the darker the country.
SHADES = ("#dbe7f3", "#a9c7e4", "#6fa1d0", "#3a78b5", "#1f5f8b")
NO_DATA = "#eef1f4"


def project(lon, lat):
    x = (lon + 180.0) / 360.0 * WIDTH
    y = (NORTH - max(min(lat, NORTH), SOUTH)) / (NORTH - SOUTH) * HEIGHT
    return x, y


def decoded_arcs(topology):
    """TopoJSON arcs as lists of (lon, lat): quantized positions, each a delta from the previous one."""
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring_points(ring, arcs):
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def unwrapped(points):
    """A ring crossing the antimeridian (Russia, Fiji) is drawn east of 180° instead of across the map."""
    if any(abs(a[0] - b[0]) > 180 for a, b in zip(points, points[1:])):
        return [(lon + 360 if lon < 0 else lon, lat) for lon, lat in points]
    return points


def path_data(polygons, arcs):
    parts = []
    for polygon in polygons:
        for ring in polygon:
            projected = [project(lon, lat) for lon, lat in unwrapped(ring_points(ring, arcs))]
            if len(projected) < 3:
                continue
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + "Z")
    return "".join(parts)


@dataclass(frozen=True)
class Shape:
    code: str  # ISO 3166-1 alpha-2, "" where Natural Earth gives no code
    name: str
    path: str


@functools.lru_cache(maxsize=1)
def country_shapes():
    topology = json.loads(SHAPES.read_text(encoding="utf-8"))
    arcs = decoded_arcs(topology)
    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("type") == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        code = all_countries.alpha2(geometry["id"]) if geometry.get("id") else ""
        if code == "AQ":  # Antarctica lies south of the map
            continue
        shapes.append(Shape(code or "", geometry.get("properties", {}).get("name", ""), path_data(polygons, arcs)))
    return tuple(shapes)


def shade(count, largest):
    if not count:
        return NO_DATA
    step = math.ceil(len(SHADES) * math.log1p(count) / math.log1p(largest)) - 1
    return SHADES[max(0, min(step, len(SHADES) - 1))]


@dataclass
class Point:
    longitude: float
    latitude: float
    label: str
    count: int = 1
    country: str = ""


def world_map_svg(counts, points=(), title="", country_url=None, count_label="{count}"):
    """SVG of the world: ``counts`` {alpha-2: n} shade countries, ``points`` mark places.

    ``country_url(code)`` links a shaded country to its page; ``count_label`` formats the hover text.
    """
    largest = max(counts.values(), default=0) or 1
    # A map with links is for the mouse: screen readers and keyboards get the page's table of the same links
    # (an image may not hold links, WCAG 4.1.2); a map without links is an image named by its title.
    speech = 'aria-hidden="true"' if country_url is not None else f'role="img" aria-label="{escape(title)}"'
    parts = [
        f'<svg class="worldmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" {speech}><title>{escape(title)}</title>',
        f'<rect class="sea" x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f7fbff"></rect>',
    ]
    for shape in country_shapes():
        count = counts.get(shape.code, 0)
        name = str(all_countries.name(shape.code)) if shape.code else shape.name
        hover = f"{name}: {count_label.format(count=count)}" if count else name
        path = (f'<path class="country" data-country="{shape.code}" data-count="{count}" '
                f'fill="{shade(count, largest)}" stroke="#ffffff" stroke-width="0.5" d="{shape.path}">'
                f"<title>{escape(hover)}</title></path>")
        if count and country_url is not None:
            path = f'<a href="{escape(country_url(shape.code))}" tabindex="-1" aria-hidden="true">{path}</a>'
        parts.append(path)
    largest_point = max((point.count for point in points), default=1) or 1
    for point in points:
        x, y = project(point.longitude, point.latitude)
        radius = 2.5 + 6.0 * math.sqrt(point.count / largest_point)
        circle = (
            f'<circle class="place" cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#d9480f" fill-opacity="0.75" '
            f'stroke="#ffffff" stroke-width="0.8"><title>{escape(point.label)}</title></circle>'
        )
        if point.country and country_url is not None:
            circle = f'<a href="{escape(country_url(point.country))}" tabindex="-1" aria-hidden="true">{circle}</a>'
        parts.append(circle)
    parts.append("</svg>")
    return mark_safe("".join(parts))
