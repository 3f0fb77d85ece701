"""Figures of the lab book, drawn by code at build time.

Each figure is a function that returns a `matplotlib.figure.Figure`,
registered under the file name the pages use (``@figure("sigmoid.svg")``). The
site's build hook (``docs/hooks/figures.py``) renders every registered figure
to ``figures/<name>`` in the built site, so a figure can never drift from the
code that makes it. Pages link to them as ``![alt text](figures/<name>)``.

Figure functions live in the modules of this package, one per topic; importing
`registry` imports them all. matplotlib is needed only here (it comes
with the ``docs`` extra), never by the rest of ``labcode``.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Callable

__all__ = ["figure", "registry", "render_svg"]

_FIGURES: dict[str, Callable[[], object]] = {}


def figure(name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function that draws the figure published as ``figures/<name>``.

    Parameters
    ----------
    name : str
        The file name in the built site, ending in ``.svg``.

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.

    Raises
    ------
    ValueError
        If the name does not end in ``.svg`` or is already taken.

    Examples
    --------
    >>> from labcode.figures import figure
    >>> figure("plot.png")
    Traceback (most recent call last):
    ...
    ValueError: figure names end in .svg, got 'plot.png'
    """
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
    """Every registered figure, by file name, after importing all figure modules.

    Returns
    -------
    dict of str to callable
        File name to drawing function, sorted by name.

    Examples
    --------
    >>> from labcode.figures import registry
    >>> all(name.endswith(".svg") for name in registry())
    True
    """
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(_FIGURES.items()))


def render_svg(fig: object) -> bytes:
    """A matplotlib figure as SVG bytes that are the same on every build.

    Text is drawn as paths (no font to fetch), and the date and the random ids
    that matplotlib would write are fixed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards.

    Returns
    -------
    bytes
        The SVG document.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from labcode.figures import render_svg
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> svg = render_svg(fig)
    >>> svg.startswith(b"<?xml") and b"<svg" in svg and render_svg(fig) == svg
    True
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "labbook", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
