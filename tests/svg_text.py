"""The text of a figure that `labcode.figures.render_svg` wrote, read back from the SVG.

matplotlib draws text as paths (no font to fetch), but it writes each line of
text as an XML comment just before the group that draws it, with the group's
fill colour and its font size in the transform ``scale(s -s)``: ``s`` is the
size in points divided by 100 (glyphs are defined 100 units high). A formula
(mathtext) scales its scripts further inside the group.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TEXT = re.compile(r"<!-- (?P<text>.*?) -->\s*<g (?P<attributes>[^>]*)>(?P<body>.*?)</g>", re.S)
_SCALE = re.compile(r"scale\((?P<s>[\d.]+) -[\d.]+\)")
_FILL = re.compile(r"fill: (?P<colour>#[0-9a-f]{6})")
#: Attributes in either quotes: matplotlib writes double quotes, `labcode.figures.data_url` single ones.
_SCRIPT = re.compile(r"""<use [^>]*transform=["'][^"']*scale\((?P<s>[\d.]+)\)["']""")
_VIEWBOX = re.compile(r"""viewBox=["']0 0 (?P<width>[\d.]+) (?P<height>[\d.]+)["']""")


@dataclass(frozen=True)
class SvgText:
    """One line of text in a figure."""

    text: str
    colour: str  #: ``#rrggbb``; ``#000000`` when the group names none
    size: float  #: font size in points (SVG user units)
    smallest: float  #: the size of its smallest glyph, scripts of a formula included


def svg_texts(svg: str | bytes) -> list[SvgText]:
    """Every line of text of a matplotlib SVG, in the order it is drawn."""
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    found = []
    for match in _TEXT.finditer(svg):
        scale = _SCALE.search(match.group("attributes"))
        if scale is None:
            continue  # a group that is not text
        size = 100 * float(scale.group("s"))
        fill = _FILL.search(match.group("attributes"))
        scripts = [float(s) for s in _SCRIPT.findall(match.group("body"))]
        found.append(SvgText(match.group("text"), fill.group("colour") if fill else "#000000", size,
                             size * min([1.0, *scripts])))
    return found


def viewbox_width(svg: str | bytes) -> float:
    """The width of the SVG's view box, in its user units (points, for matplotlib)."""
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    match = _VIEWBOX.search(svg)
    if match is None:
        raise ValueError("the SVG has no viewBox")
    return float(match.group("width"))


@functools.cache
def registered_drawing(name: str) -> tuple[object, bytes]:
    """The registered figure ``name`` drawn once per test run: the matplotlib figure (closed,
    still there to be inspected) and its `labcode.figures.render_svg`.

    The tests that read a registered figure (its contents, its text, its alt
    text, the copy on its page) share this one drawing: matplotlib takes most
    of their time.
    """
    from labcode.figures import registry, render_svg

    fig = registry()[name]()
    return fig, render_svg(fig)


def registered_svg(name: str) -> bytes:
    """The SVG of `registered_drawing`."""
    return registered_drawing(name)[1]
