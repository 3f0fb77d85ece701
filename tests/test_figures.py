"""The figures: their numbers come from the code, and the pages print the same numbers.

The pictures of computational graphs are drawn from a trace (or from the
values the units return). Here the text of each drawing is read back from its
SVG (`tests.svg_text`) and compared with the trace it was given, on random
inputs, so a figure cannot show a number its trace does not hold; and the
tables on the pages are compared with the traces the registered figures use,
so the page and its picture show the same computation.
"""

from __future__ import annotations

import dataclasses
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode.figures import registry, render_svg
from labcode.figures import graphs
from labcode.figures.graphs import BACKWARD, FORWARD, INK, number
from labcode.graph import format_trace, sigmoid_chain, trace
from tests.docs_harness import DOCS
from tests.svg_text import svg_texts

_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
_EMBED = re.compile(r'print\(embed\("(?P<name>[\w.-]+)", "(?P<alt>[^"]+)"\)\)')
#: A number as a picture writes it (a true minus sign), not part of a word such as "2x".
_NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?![\w²³])")


def _coloured(svg: bytes, colour: str) -> list[str]:
    return [t.text for t in svg_texts(svg) if t.colour == colour]


def _output_after(page: str, marker: str) -> str:
    """The ```output fence that follows the first python fence of ``page`` containing ``marker``."""
    fences = list(_FENCE.finditer((DOCS / page).read_text(encoding="utf-8")))
    for here, after in zip(fences, fences[1:]):
        if here.group("info") == "python" and marker in here.group("body"):
            assert after.group("info") == "output", f"{page}: no output fence after the block with {marker!r}"
            return after.group("body").rstrip("\n")
    raise AssertionError(f"{page}: no python block contains {marker!r}")


def _chain_expected(x: float, rows) -> tuple[list[str], list[str]]:
    values = [number(v) for v in [x, *(r.value for r in rows)]]
    gradients = [number(g) for g in [rows[0].downstream, *(r.upstream for r in rows)]]
    return values, gradients


@settings(max_examples=25, deadline=None)
@given(x=st.floats(-2.0, 2.0, allow_nan=False), sigmoid=st.booleans())
def test_a_chain_figure_shows_its_trace(x: float, sigmoid: bool) -> None:
    """Green above the arrows: x and every node's value; red below: every gradient, rounded."""
    chain = sigmoid_chain() if sigmoid else graphs._chapter_3_chain()
    rows = trace(chain, x)
    svg = render_svg(graphs.chain_figure(x, rows))
    values, gradients = _chain_expected(x, rows)
    assert _coloured(svg, FORWARD)[:5] == values
    assert _coloured(svg, BACKWARD)[:5] == gradients
    names = ["x", "A", "B", "C", "D" if sigmoid else "f"]
    assert [t for t in _coloured(svg, INK) if len(t) == 1] == names


def test_a_changed_trace_changes_the_figure() -> None:
    """The figure draws what it is given: alter one gradient of the trace and the picture shows it."""
    rows = trace(sigmoid_chain(), 1.0)
    drawn = render_svg(graphs.chain_figure(1.0, rows))
    assert drawn == render_svg(graphs.sigmoid_graph_numbers()), "the registered figure is another trace"
    tampered = [*rows[:2], dataclasses.replace(rows[2], upstream=np.array(-0.75)), rows[3]]
    changed = render_svg(graphs.chain_figure(1.0, tampered))
    assert changed != drawn
    assert _coloured(changed, BACKWARD)[3] == "−0.75" and _coloured(drawn, BACKWARD)[3] == "−0.534"
    other_x = render_svg(graphs.chain_figure(2.0, trace(sigmoid_chain(), 2.0)))
    assert _coloured(other_x, FORWARD)[4] == number(1 / (1 + np.exp(-2.0))) == "0.881"


@settings(max_examples=25, deadline=None)
@given(x=st.floats(-3.0, 3.0, allow_nan=False))
def test_the_fan_out_numbers_are_the_calculus(x: float) -> None:
    """f = 2x * x^2 = 2x^3: paths 2 x^2 (through u) and 4 x^2 (through v), sum 6 x^2 (independent formulas)."""
    n = graphs.fan_out_numbers(x)
    expected = dict(x=x, u=2 * x, v=x * x, f=2 * x**3, grad_f=1.0, grad_u=x * x, grad_v=2 * x,
                    path_u=2 * x * x, path_v=4 * x * x, grad_x=6 * x * x)
    assert n.keys() == expected.keys()
    assert all(np.isclose(n[k], expected[k], rtol=1e-12, atol=1e-300) for k in expected), (n, expected)
    svg = render_svg(graphs.fan_out_figure(n))
    shown = _coloured(svg, FORWARD) + _coloured(svg, BACKWARD)
    for key in expected:
        assert number(n[key]) in " ".join(shown), key


@settings(max_examples=20, deadline=None)
@given(a=st.integers(-9, 9), b=st.integers(-9, 9), upstream=st.integers(-9, 9), second=st.integers(-9, 9))
def test_the_patterns_follow_the_rules(a: int, b: int, upstream: int, second: int) -> None:
    """Add: both get the upstream; multiply: each gets upstream times the other; fan-out: the sum."""
    n = graphs.pattern_numbers(float(a), float(b), float(upstream), float(second))
    assert (n["add"]["out"], n["add"]["grad_a"], n["add"]["grad_b"]) == (a + b, upstream, upstream)
    assert (n["multiply"]["out"], n["multiply"]["grad_a"], n["multiply"]["grad_b"]) == (a * b, upstream * b,
                                                                                         upstream * a)
    assert n["fan-out"]["grad_x"] == upstream + second
    svg = render_svg(graphs.patterns_figure(n))
    reds = _coloured(svg, BACKWARD)
    assert [number(n["multiply"]["grad_a"]), number(n["multiply"]["grad_b"])] == reds[4:6]
    assert f"{number(upstream)} + {number(second)} = {number(upstream + second)}" in reds


def test_chapter_3_prints_the_trace_of_its_figure() -> None:
    rows = trace(graphs._chapter_3_chain(), graphs.CHAIN_X)
    assert _output_after("chain-rule.md", "rows = trace(chain, 0.0)") == format_trace(rows)


def test_chapter_4_prints_the_trace_of_its_figure() -> None:
    rows = trace(sigmoid_chain(), graphs.SIGMOID_X)
    assert _output_after("sigmoid.md", "rows = trace(sigmoid_chain(), 1.0)") == format_trace(
        rows, columns=["value", "local"])
    assert _output_after("sigmoid.md", 'columns=["upstream", "downstream"]') == format_trace(
        rows, columns=["upstream", "downstream"])


def test_chapter_3_prints_the_numbers_of_its_fan_out_figure() -> None:
    table = _output_after("chain-rule.md", "for edge, value, gradient in [").splitlines()[1:]
    printed = {line[:16].strip(): [float(v) for v in line[16:].split()] for line in table}
    n = graphs.fan_out_numbers(graphs.FAN_OUT_X)
    assert printed == {"x": [n["x"], n["grad_x"]], "x, into u = 2x": [n["x"], n["path_u"]],
                       "x, into v = x^2": [n["x"], n["path_v"]], "u": [n["u"], n["grad_u"]],
                       "v": [n["v"], n["grad_v"]], "f": [n["f"], n["grad_f"]]}


def test_chapter_3_prints_the_numbers_of_its_patterns_figure() -> None:
    lines = _output_after("chain-rule.md", 'print("add:     "').splitlines()
    numbers = [[float(v) for v in re.findall(r"-?\d+\.\d+", line)] for line in lines]
    n = graphs.pattern_numbers()
    assert numbers == [[n["add"]["out"], n["add"]["grad_a"], n["add"]["grad_b"]],
                       [n["multiply"]["out"], n["multiply"]["grad_a"], n["multiply"]["grad_b"]],
                       [n["fan-out"]["grad_x"]]]
    assert (n["add"]["a"], n["add"]["b"], n["add"]["upstream"], n["fan-out"]["grad_2"]) == (3.0, -4.0, 2.0, 5.0)


def _embeds() -> list[tuple[str, str, str]]:
    return [(page.name, m.group("name"), m.group("alt")) for page in sorted(DOCS.glob("*.md"))
            for m in _EMBED.finditer(page.read_text(encoding="utf-8"))]


def test_every_embed_is_found() -> None:
    assert {name for _, name, _ in _embeds()} == set(registry())


@pytest.mark.parametrize(("page", "name", "alt"), _embeds(), ids=[e[1] for e in _embeds()])
def test_alt_texts_say_what_the_figure_shows(page: str, name: str, alt: str) -> None:
    """An alt text is a description (several words, not a file name), and every number it
    names for a graph is one the graph shows: an alt text cannot go stale when the trace changes."""
    assert len(alt.split()) >= 12 and not alt.endswith(".svg"), f"{page}: {name}'s alt text is too thin"
    if name in ("chain-graph.svg", "fan-out-graph.svg", "gradient-patterns.svg", "sigmoid-graph-numbers.svg"):
        shown = " ".join(t.text for t in svg_texts(render_svg(registry()[name]())))
        on_figure = set(_NUMBER.findall(shown.replace("−", "-")))
        named = set(_NUMBER.findall(alt.replace("−", "-")))
        assert named, f"{name}: the alt text of a graph with numbers names none"
        assert named <= on_figure, f"{page}: {name}'s alt text names {sorted(named - on_figure)}, not on the figure"


def test_number_rounds_to_three_digits() -> None:
    assert [number(v) for v in (0.19661193324148188, -0.0, 1.3678794411714423, 1e-5, 12345.0)] == [
        "0.197", "0", "1.37", "1e−05", "1.23e+04"]
    plt.close("all")
