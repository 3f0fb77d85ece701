"""labcode.nn modules, trained through labcode.autograd, against HIPS autograd on random architectures.

hypothesis draws a stack of blocks on random widths (1-sized included):
`Linear` with or without a bias, `ReLU`, a residual block ``x + f(x)`` (a
`Module` subclass written here, around a `Sequential`), and a `Linear` used a
second time (shared weights, so its gradient adds up over both uses). The
model is a `Sequential` of them; the loss is `mean_squared_error` against a
target or the sum of the output weighted by a random array. Every parameter's
gradient, and the input's when it is a `Variable`, must agree with HIPS
autograd differentiating the same architecture written in ``autograd.numpy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode import autograd as ag
from labcode.autograd import Variable
from labcode.nn import Linear, Module, ReLU, Sequential
from tests.differential import assert_agree, hips_grad

# a few exact values besides, so that sums cancel to exactly 0 (a ReLU at its kink) now and then
values = st.one_of(st.sampled_from([0.0, 0.5, -0.5, 1.0, -1.0]), st.floats(-1, 1, allow_nan=False, allow_subnormal=False))
widths = st.integers(1, 3)


class Residual(Module):
    """``x + inner(x)``: the skip connection, as a reader would write it on top of `Module`."""

    def __init__(self, inner: Module, skip_first: bool) -> None:
        self.inner = inner
        self.skip_first = skip_first

    def forward(self, x: Any) -> Variable:
        return x + self.inner(x) if self.skip_first else self.inner(x) + x


@dataclass(frozen=True)
class Architecture:
    n: int  # rows of X
    p: int  # input width
    blocks: tuple[tuple, ...]  # ("linear", name, out, bias) | ("relu",) | ("residual", name, bias, skip_first) | ("shared", name)
    params: tuple[tuple[str, Any], ...]  # name -> values (nested lists)
    X: Any
    x_is_variable: bool
    loss: str  # "mean_squared_error" or "dot"
    target: Any  # Y, or the weights of the dot


@st.composite
def architectures(draw: st.DrawFn) -> Architecture:
    def array(shape: tuple[int, ...]) -> Any:
        size = int(np.prod(shape))
        return np.reshape(draw(st.lists(values, min_size=size, max_size=size)), shape).tolist()

    n, p = draw(st.integers(1, 4)), draw(widths)
    width = p
    blocks: list[tuple] = []
    params: dict[str, Any] = {}
    linears: dict[str, tuple[int, int]] = {}  # name -> (in, out), for sharing
    for k in range(draw(st.integers(1, 4))):
        first = k == 0  # a model with at least one parameter
        kind = draw(st.sampled_from(["linear", "residual"] if first else ["linear", "linear", "relu", "residual", "shared"]))
        reusable = [name for name, (i, o) in linears.items() if i == width == o]
        if kind == "shared" and not reusable:
            kind = "linear"
        if kind == "linear":
            out, bias = draw(widths), draw(st.booleans())
            name = f"L{k}"
            params[f"{name}.W"] = array((width, out))
            if bias:
                params[f"{name}.b"] = array((out,))
            linears[name] = (width, out)
            blocks.append(("linear", name, out, bias))
            width = out
        elif kind == "residual":
            bias = draw(st.booleans())
            name = f"L{k}"
            params[f"{name}.W"] = array((width, width))
            if bias:
                params[f"{name}.b"] = array((width,))
            linears[name] = (width, width)
            blocks.append(("residual", name, bias, draw(st.booleans())))
        elif kind == "shared":
            blocks.append(("shared", draw(st.sampled_from(reusable))))
        else:
            blocks.append(("relu",))
    loss = draw(st.sampled_from(["mean_squared_error", "dot"]))
    return Architecture(
        n, p, tuple(blocks), tuple(params.items()), array((n, p)), draw(st.booleans()), loss, array((n, width))
    )


def build_labcode(arch: Architecture) -> tuple[Sequential, dict[str, Variable]]:
    """The model, and its parameters by name (each the Variable the layer holds)."""
    values = dict(arch.params)
    layers: dict[str, Linear] = {}
    modules: list[Module] = []

    def linear(name: str, shape: tuple[int, int], bias: bool) -> Linear:
        layer = Linear(*shape, weight=np.array(values[f"{name}.W"], dtype=np.float64), bias=bias)
        if bias:
            layer.b.data[...] = values[f"{name}.b"]
        layers[name] = layer
        return layer

    for block in arch.blocks:
        if block[0] == "linear":
            _, name, out, bias = block
            modules.append(linear(name, np.shape(values[f"{name}.W"]), bias))
        elif block[0] == "residual":
            _, name, bias, skip_first = block
            inner = Sequential(linear(name, np.shape(values[f"{name}.W"]), bias), ReLU())
            modules.append(Residual(inner, skip_first))
        elif block[0] == "shared":
            modules.append(layers[block[1]])
        else:
            modules.append(ReLU())
    named = {f"{name}.W": layer.W for name, layer in layers.items()}
    named |= {f"{name}.b": layer.b for name, layer in layers.items() if layer.b is not None}
    return Sequential(*modules), named


def hips_loss(arch: Architecture, params: dict[str, Any], X: Any, magnitude: bool = False) -> Any:
    """The same network, from the description, in autograd.numpy.

    With ``magnitude``, every sign made positive (ReLU as the identity, the
    target added, not subtracted): at the absolute values of the parameters and
    of X, its gradient is the size of the true gradient's terms
    (`differential.assert_agree`).
    """

    def linear(name: str, x: Any) -> Any:
        y = anp.matmul(x, params[f"{name}.W"])
        return y + params[f"{name}.b"] if f"{name}.b" in params else y

    def relu(x: Any) -> Any:
        return x if magnitude else anp.where(x > 0, x, 0.0)

    x = X
    for block in arch.blocks:
        if block[0] in ("linear", "shared"):
            x = linear(block[1], x)
        elif block[0] == "residual":
            x = x + relu(linear(block[1], x))  # the order of the sum does not change its value
        else:
            x = relu(x)
    target = abs(np.array(arch.target)) if magnitude else np.array(arch.target)
    if arch.loss == "mean_squared_error":
        return anp.mean((x + target) ** 2 if magnitude else (x - target) ** 2)
    return anp.sum(x * target)


@settings(max_examples=50)
@given(arch=architectures())
def test_modules_match_hips_autograd(arch: Architecture) -> None:
    model, named = build_labcode(arch)
    X = np.array(arch.X, dtype=np.float64)
    x_in = Variable(X.copy()) if arch.x_is_variable else X
    out = model(x_in)
    target = np.array(arch.target, dtype=np.float64)
    loss = ag.mean_squared_error(out, target) if arch.loss == "mean_squared_error" else ag.sum(out * target)
    model.cleargrads()
    loss.backward()

    # every parameter once, in the order the layers first use them (a shared layer is not listed twice)
    order = list(dict.fromkeys(name for name, _ in arch.params))
    assert [id(p) for p in model.parameters()] == [id(named[name]) for name in order]

    reference = {name: np.array(v, dtype=np.float64) for name, v in arch.params}
    assert_agree(loss.data, hips_loss(arch, reference, X), "loss")
    expected = hips_grad(lambda ps, X: hips_loss(arch, ps, X), [0, 1])(reference, X)
    sizes = hips_grad(lambda ps, X: hips_loss(arch, ps, X, magnitude=True), [0, 1])(
        {name: abs(a) for name, a in reference.items()}, abs(X)
    )
    for name, variable in named.items():
        assert variable.grad is not None and variable.grad.shape == variable.shape, name
        assert_agree(variable.grad, expected[0][name], f"gradient of {name}", sizes[0][name])
    if arch.x_is_variable:
        assert_agree(x_in.grad, expected[1], "gradient of X", sizes[1])
