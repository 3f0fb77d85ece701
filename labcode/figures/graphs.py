"""Computational graphs drawn with their numbers, in the manner of circuit diagrams.

Each picture is drawn from numbers it is given: a trace of `labcode.graph`
(`labcode.graph.trace`), or the values and gradients that the units of
`labcode.graph` return. The forward value carried by an edge is written above
it (green), the gradient of the result with respect to that value below it
(red), rounded to three significant digits (`number`). The registered
figures (``chain-graph.svg``, ``fan-out-graph.svg``, ``gradient-patterns.svg``
and ``sigmoid-graph-numbers.svg``) compute their numbers with the same units,
inputs and order of operations as the pages that show them, so every number
on a picture is one that the page's code prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from labcode.figures import figure
from labcode.graph import (
    AddUnit, AddConst, Chain, Exp, FanOut, MultiplyUnit, Power, Scale, TraceRow, sigmoid_chain, trace,
)

__all__ = [
    "number",
    "chain_figure",
    "chain_graph",
    "fan_out_numbers",
    "fan_out_figure",
    "fan_out_graph",
    "pattern_numbers",
    "patterns_figure",
    "gradient_patterns",
    "sigmoid_graph_numbers",
]

#: Forward values (above an edge) and gradients (below it); the ink of the rest.
FORWARD, BACKWARD, INK = "#2e7d32", "#c62828", "#212121"
#: Node boxes.
NODE_FILL, NODE_EDGE = "#e8eaf6", "#3949ab"
#: Font sizes in points. The figures are at most 6.9 inches wide, so at their
#: natural size (one point is 4/3 pixel) the smallest text is 12 pixels high.
NUMBER_SIZE, LABEL_SIZE, NOTE_SIZE = 9.5, 10, 9.5

#: Where chapter 3 evaluates its chain and its fan-out example, and chapter 4 its sigmoid.
CHAIN_X, FAN_OUT_X, SIGMOID_X = 0.0, 1.5, 1.0


def number(value: float) -> str:
    """A value (a float or a one-entry array) as a picture shows it: three significant digits, a true minus sign (``−0.534``)."""
    text = format(float(value), ".3g")
    return "0" if text == "-0" else text.replace("-", "−")


def _canvas(width: float, height: float, xlim: tuple[float, float], ylim: tuple[float, float]):
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))  # the whole figure: one data unit is the same size everywhere
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _node(ax, xy: tuple[float, float], label: str, width: float = 0.9, height: float = 0.5) -> None:

    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.04,rounding_size=0.12",
                                facecolor=NODE_FILL, edgecolor=NODE_EDGE, linewidth=1.4, zorder=3))
    ax.text(x, y, label, ha="center", va="center", fontsize=LABEL_SIZE, color=INK, zorder=4)


def _edge(ax, start: tuple[float, float], end: tuple[float, float], above: str, below: str,
          arrow: bool = True, offset: float = 0.2, name: str = "") -> None:
    """An arrow from ``start`` to ``end``: ``above`` over its middle in green, ``below`` under it in red.

    ``name``, if given, is written above ``above`` in the ink colour.
    """

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>" if arrow else "-", mutation_scale=12,
                                 color=NODE_EDGE, linewidth=1.4, shrinkA=0, shrinkB=0, zorder=2))
    (x0, y0), (x1, y1) = start, end
    length = float(np.hypot(x1 - x0, y1 - y0))
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # the normal on the upper side
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    for text, sign, colour in ((above, 1, FORWARD), (below, -1, BACKWARD)):
        if text:
            ax.text(mx + sign * offset * nx, my + sign * offset * ny, text, ha="center", va="center",
                    fontsize=NUMBER_SIZE, color=colour)
    if name:
        ax.text(mx + 2.3 * offset * nx, my + 2.3 * offset * ny, name, ha="center", va="center",
                fontsize=NUMBER_SIZE, color=INK, fontstyle="italic")


def _wire(ax, points: Sequence[tuple[float, float]]) -> None:
    """A plain line through ``points`` (a fan-out's bar)."""
    ax.plot(*zip(*points), color=NODE_EDGE, linewidth=1.4, solid_capstyle="butt", zorder=2)


def _legend(ax, x: float, y: float, what: str = "f") -> None:
    ax.text(x, y, "above an arrow: the value it carries", color=FORWARD, fontsize=NOTE_SIZE,
            ha="left", va="top")
    ax.text(x, y - 0.3, f"below: the gradient of {what} with respect to that value", color=BACKWARD,
            fontsize=NOTE_SIZE, ha="left", va="top")


def _names(rows: Sequence[TraceRow]) -> list[tuple[str, str]]:
    """(variable, formula) from each row's name, ``"A = 2x"`` -> ``("A", "2x")``."""
    pairs = []
    for row in rows:
        left, sep, right = row.name.partition(" = ")
        pairs.append((left, right.replace("^3", "³").replace("^2", "²").replace("-", "−")) if sep
                     else (row.name, row.name))
    return pairs


def chain_figure(x: float, rows: Sequence[TraceRow]) -> plt.Figure:
    """A traced chain as a row of boxes: values above the arrows, gradients below.

    ``rows`` is `labcode.graph.trace` of the chain at ``x`` (not empty). Each
    row's name, of the form ``"A = 2x"``, gives the variable on the arrow leaving
    the box and the formula in the box; the last variable is the result, named in
    the legend.
    """
    if not rows:
        raise ValueError("rows must hold at least one TraceRow, got none")
    gap, half = 2.1, 0.4
    count = len(rows)
    span = gap * (count + 1)
    fig, ax = _canvas(6.9, 6.9 * 1.85 / (span + 0.4), (-0.2, span + 0.2), (-1.1, 0.75))
    nodes = [gap * (i + 1) for i in range(count)]
    for position, (_, formula) in zip(nodes, _names(rows)):
        _node(ax, (position, 0.0), formula, width=2 * half)
    starts = [0.0] + [n + half + 0.05 for n in nodes]
    targets = [n - half - 0.05 for n in nodes] + [span]
    variables = ["x"] + [name for name, _ in _names(rows)]
    values = [x] + [row.value for row in rows]
    gradients = [rows[0].downstream] + [row.upstream for row in rows]
    for start, end, name, value, gradient in zip(starts, targets, variables, values, gradients):
        _edge(ax, (start, 0.0), (end, 0.0), number(value), number(gradient), name=name)
    _legend(ax, 0.0, -0.55, variables[-1])
    return fig


def _chapter_3_chain() -> Chain:
    """The chain of chapter 3: A = 2x, B = exp(A), C = B + 1, f = C^3."""
    return Chain([Scale(2.0, name="A = 2x"), Exp(name="B = exp(A)"),
                  AddConst(1.0, name="C = B + 1"), Power(3, name="f = C^3")])


@figure("chain-graph.svg")
def chain_graph() -> plt.Figure:
    """Chapter 3's chain x -> A = 2x -> B = exp(A) -> C = B + 1 -> f = C^3, traced at x = 0."""
    return chain_figure(CHAIN_X, trace(_chapter_3_chain(), CHAIN_X))


@figure("sigmoid-graph-numbers.svg")
def sigmoid_graph_numbers() -> plt.Figure:
    """Chapter 4's sigmoid graph traced at x = 1: forward values and gradients of D, rounded."""
    return chain_figure(SIGMOID_X, trace(sigmoid_chain(), SIGMOID_X))


def fan_out_numbers(x: float = FAN_OUT_X) -> dict[str, float]:
    """Chapter 3's fan-out example f = u v, u = 2x, v = x^2, run forward and backward at ``x``: ``x, u, v, f, grad_f, grad_u, grad_v, path_u, path_v, grad_x``.

    The units and their order are those of the chapter: a `FanOut` gives two
    copies of ``x``, `Scale` and `Power` make ``u`` and ``v``, a `MultiplyUnit`
    makes ``f``; backward, the multiply gives ``grad_u`` and ``grad_v``, each
    branch gives its path, and the fan-out adds the two.
    """
    fork, double, square, mul = FanOut(), Scale(2.0), Power(2), MultiplyUnit()
    x1, x2 = fork.forward(x)
    u, v = double.forward(x1), square.forward(x2)
    f = mul.forward(u, v)
    grad_u, grad_v = mul.backward()
    path_u, path_v = double.backward(grad_u), square.backward(grad_v)
    grad_x = fork.backward(path_u, path_v)
    found = dict(x=x, u=u, v=v, f=f, grad_f=1.0, grad_u=grad_u, grad_v=grad_v,
                 path_u=path_u, path_v=path_v, grad_x=grad_x)
    return {name: float(value) for name, value in found.items()}


def fan_out_figure(numbers: Mapping[str, float]) -> plt.Figure:
    """The fan-out example as a graph, with the `fan_out_numbers` it is given and the two rules it shows; a missing number raises `KeyError` naming it."""
    needed = ("x", "u", "v", "f", "grad_f", "grad_u", "grad_v", "path_u", "path_v", "grad_x")
    missing = [key for key in needed if key not in numbers]
    if missing:
        raise KeyError(f"numbers lacks {', '.join(missing)} (the keys of fan_out_numbers)")
    n = {key: number(numbers[key]) for key in needed}
    fig, ax = _canvas(6.9, 3.1, (-0.2, 7.3), (-2.35, 1.4))
    fork, top, bottom, mul, out = (1.4, 0.0), (3.1, 0.75), (3.1, -0.75), (5.25, 0.0), (7.1, 0.0)
    _wire(ax, [(fork[0], top[1]), (fork[0], bottom[1])])
    ax.plot(*fork, "o", color=NODE_EDGE, markersize=7, zorder=3)
    _node(ax, top, "2x")
    _node(ax, bottom, "x²")
    _node(ax, mul, "u × v", width=0.95, height=2.0)
    _edge(ax, (0.0, 0.0), fork, n["x"], n["grad_x"], arrow=False, name="x")
    _edge(ax, (fork[0], top[1]), (top[0] - 0.5, top[1]), n["x"], n["path_u"])
    _edge(ax, (fork[0], bottom[1]), (bottom[0] - 0.5, bottom[1]), n["x"], n["path_v"])
    _edge(ax, (top[0] + 0.5, top[1]), (mul[0] - 0.53, top[1]), n["u"], n["grad_u"], name="u")
    _edge(ax, (bottom[0] + 0.5, bottom[1]), (mul[0] - 0.53, bottom[1]), n["v"], n["grad_v"], name="v")
    _edge(ax, (mul[0] + 0.53, 0.0), out, n["f"], n["grad_f"], name="f")
    ax.text(-0.1, -1.25, f"fan-out adds: {n['path_u']} + {n['path_v']} = {n['grad_x']}",
            color=BACKWARD, fontsize=NOTE_SIZE, ha="left", va="top")
    ax.text(3.7, -1.25, f"multiply swaps: u gets {n['grad_f']} × v = {n['grad_u']},\n"
            f"v gets {n['grad_f']} × u = {n['grad_v']}",
            color=BACKWARD, fontsize=NOTE_SIZE, ha="left", va="top")
    _legend(ax, -0.1, -1.75)
    return fig


@figure("fan-out-graph.svg")
def fan_out_graph() -> plt.Figure:
    """Chapter 3's f = u v with u = 2x and v = x^2, at x = 1.5: x fans out to both."""
    return fan_out_figure(fan_out_numbers(FAN_OUT_X))


def pattern_numbers(a: float = 3.0, b: float = -4.0, upstream: float = 2.0,
                    second: float = 5.0) -> dict[str, dict[str, float]]:
    """The three patterns of gradient flow, run on the units of `labcode.graph`: ``{"add": ..., "multiply": ..., "fan-out": ...}``.

    Each is a dict of the inputs, the output(s) and the gradients. ``a`` and ``b``
    are the inputs of the add and the multiply node (``a`` also fans out),
    ``upstream`` the gradient arriving at each node's output (at the fan-out,
    along its first use) and ``second`` the gradient along the fan-out's second
    use.
    """
    add, mul, fork = AddUnit(), MultiplyUnit(), FanOut()
    out_add = add.forward(a, b)
    add_a, add_b = add.backward(upstream)
    out_mul = mul.forward(a, b)
    mul_a, mul_b = mul.backward(upstream)
    fork.forward(a)
    grad_x = fork.backward(upstream, second)
    return {
        "add": dict(a=a, b=b, out=float(out_add), upstream=upstream, grad_a=float(add_a), grad_b=float(add_b)),
        "multiply": dict(a=a, b=b, out=float(out_mul), upstream=upstream,
                         grad_a=float(mul_a), grad_b=float(mul_b)),
        "fan-out": dict(x=a, grad_1=upstream, grad_2=second, grad_x=float(grad_x)),
    }


def patterns_figure(numbers: Mapping[str, Mapping[str, float]]) -> plt.Figure:
    """Three small graphs side by side, an add, a multiply and a fan-out, with their `pattern_numbers`."""
    add, mul, fan = (dict((k, number(v)) for k, v in numbers[key].items())
                     for key in ("add", "multiply", "fan-out"))
    fig, ax = _canvas(6.9, 2.6, (-0.15, 9.55), (-1.95, 1.6))
    for left, node, label, title, rule in (
        (0.0, add, "+", "add", f"each input gets {add['upstream']}"),
        (3.3, mul, "×", "multiply", f"a gets {mul['upstream']} × b,\nb gets {mul['upstream']} × a"),
    ):
        centre = (left + 1.55, 0.0)
        ax.text(left, 1.45, title, fontsize=LABEL_SIZE, color=INK, ha="left", va="top", fontweight="bold")
        _node(ax, centre, label, width=0.5, height=1.6)
        _edge(ax, (left, 0.6), (centre[0] - 0.28, 0.6), node["a"], node["grad_a"], name="a")
        _edge(ax, (left, -0.6), (centre[0] - 0.28, -0.6), node["b"], node["grad_b"], name="b")
        _edge(ax, (centre[0] + 0.28, 0.0), (left + 2.9, 0.0), node["out"], node["upstream"])
        ax.text(left, -1.15, rule, fontsize=NOTE_SIZE, color=BACKWARD, ha="left", va="top")
    left = 6.6
    ax.text(left, 1.45, "fan-out", fontsize=LABEL_SIZE, color=INK, ha="left", va="top", fontweight="bold")
    fork = (left + 1.1, 0.0)
    _wire(ax, [(fork[0], 0.6), (fork[0], -0.6)])
    ax.plot(*fork, "o", color=NODE_EDGE, markersize=7, zorder=3)
    _edge(ax, (left, 0.0), fork, fan["x"], fan["grad_x"], arrow=False, name="x")
    _edge(ax, (fork[0], 0.6), (left + 2.9, 0.6), fan["x"], fan["grad_1"])
    _edge(ax, (fork[0], -0.6), (left + 2.9, -0.6), fan["x"], fan["grad_2"])
    ax.text(left, -1.15, f"the gradients add:\n{fan['grad_1']} + {fan['grad_2']} = {fan['grad_x']}",
            fontsize=NOTE_SIZE, color=BACKWARD, ha="left", va="top")
    return fig


@figure("gradient-patterns.svg")
def gradient_patterns() -> plt.Figure:
    """How an add, a multiply and a fan-out pass gradients back, with the numbers of chapter 3."""
    return patterns_figure(pattern_numbers())
