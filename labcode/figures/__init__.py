"""Figures of the lab book, drawn by code at build time.

Each figure is a function that returns a `matplotlib.figure.Figure`,
registered under a name ending in ``.svg`` (``@figure("sigmoid.svg")``). A
page shows one with a block that the site builder runs while it builds the
page (markdown-exec, under MkDocs and Zensical alike)::

    ```python exec="on" html="1"
    from labcode.figures import embed
    print(embed("sigmoid.svg", "alt text: what the figure shows"))
    ```

`embed` draws the figure there and then and returns an ``<img>`` whose source
is the SVG itself, so a figure can never drift from the code that makes it,
and the page needs no file beside it.

Figure functions live in the modules of this package, one per topic; importing
`registry` imports them all. matplotlib is needed only here (it comes
with the ``docs`` extra), never by the rest of ``labcode``.
"""

from __future__ import annotations

import html
import importlib
import io
import pkgutil
import re
from collections.abc import Callable

__all__ = ["figure", "registry", "render_svg", "data_url", "embed"]

_FIGURES: dict[str, Callable[[], object]] = {}


def figure(name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """A decorator that registers a function drawing the figure published as ``figures/<name>``; the name ends in ``.svg`` and is not already taken."""
    if not name.endswith(".svg"):
        raise ValueError(f"figure names end in .svg, got {name!r}")

    def register(draw: Callable[[], object]) -> Callable[[], object]:
        known = _FIGURES.get(name)
        if known is not None and known.__qualname__ != draw.__qualname__:
            raise ValueError(f"figure {name!r} is already drawn by {known.__qualname__}")
        _FIGURES[name] = draw
        return draw

    return register


def registry() -> dict[str, Callable[[], object]]:
    """Every registered figure, by file name (sorted), after importing all figure modules: file name to drawing function."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(_FIGURES.items()))


def render_svg(fig: object) -> bytes:
    """A matplotlib figure as SVG bytes that are the same on every build; the figure is closed afterwards.

    Text is drawn as paths (no font to fetch), the date and the random ids
    that matplotlib would write are fixed, and the background is transparent
    (the figure lies on the page's own colour, in either palette). The
    coordinates of the paths and the positions of the markers are rounded to
    two decimals (a hundredth of a point, or of a glyph's unit), which makes the
    figures about a third smaller.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "labbook", "svg.fonttype": "path"}):
        # No background: the page's shows through, so the stylesheet can turn the ink light
        # in the dark palette (docs/assets/stylesheets/extra.css).
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", transparent=True)
    plt.close(fig)
    return _PATH_DATA.sub(lambda d: _DECIMALS.sub(r"\1", d.group(0)), buffer.getvalue().decode("utf-8")).encode("utf-8")


#: A path's data or a marker's position in matplotlib's SVG, and a number in it with more than two decimals.
_PATH_DATA = re.compile(r' (?:d|x|y)="[^"]*"')
_DECIMALS = re.compile(r"(\d\.\d\d)\d+")
#: A line break of matplotlib's SVG with the spaces around it: in a data URL one space says the same.
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
#: An attribute in double quotes whose value holds no single quote (a single-quoted one says the same).
_DOUBLE_QUOTED = re.compile(r"""(\s[\w:.-]+)="([^"'<>]*)\"""")
#: What a ``data:`` URL in a double-quoted attribute must escape (the rest of an SVG is kept as it is).
_URL_ESCAPES = {ord(c): f"%{ord(c):02X}" for c in '%#"&\n\r\t'}


def data_url(svg: bytes) -> str:
    """The SVG document ``svg`` as a ``data:`` URL to put in a double-quoted HTML attribute, written small.

    The SVG stays text (base64 would make it a third larger): its line breaks
    and indentation become single spaces, its attributes are single-quoted, and
    only ``% # " &`` are percent-encoded, which is all a double-quoted attribute
    needs. The image it shows is the same; the book's figures shrink by a
    fifth.

    Examples
    --------
    >>> svg = b'<svg width="4pt">\\n  <path d="M 0 0 \\nL 4 4"/>\\n</svg>'
    >>> data_url(svg)
    "data:image/svg+xml,<svg width='4pt'> <path d='M 0 0 L 4 4'/> </svg>"
    """
    text = _LINE_BREAK.sub(" ", svg.decode("utf-8"))
    return "data:image/svg+xml," + _DOUBLE_QUOTED.sub(r"\1='\2'", text).translate(_URL_ESCAPES)


def embed(name: str, alt: str) -> str:
    """The registered figure ``name`` (``"sigmoid.svg"``), drawn now, as an HTML ``<img>`` with the text ``alt`` that carries its SVG.

    The result is ``<p class="labbook-figure"><img alt="..." src="data:image/svg+xml,..."></p>``:
    the image's source is a ``data:`` URL holding `render_svg` of the figure, so
    the page that prints this needs no file beside it, and the bytes are the
    same on every build of the same code (`data_url` says how it is written
    small). On a narrow screen the figure keeps its drawn size (its text stays
    legible) and scrolls sideways inside that paragraph. An unregistered name
    (the message lists those that are) or an empty ``alt`` raises `ValueError`.
    """
    figures = registry()
    if name not in figures:
        raise ValueError(f"no figure is registered as {name!r}; there are: {', '.join(figures)}")
    if not alt.strip():
        raise ValueError(f"figure {name!r} needs an alt text saying what it shows")
    source = data_url(render_svg(figures[name]()))
    alt = html.escape(alt.strip(), quote=True)
    return f'<p class="labbook-figure"><img alt="{alt}" src="{source}"></p>'
