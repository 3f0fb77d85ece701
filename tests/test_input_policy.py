"""The input policy of `labcode.shapes`, checked on every public function with bad input.

The functions are read from each module's ``__all__`` (classes with their
public methods), so a new function without an entry in `POLICY` (or a reason
in `EXEMPT`) fails `test_every_public_function_has_a_policy_entry`.

Each entry says how to call the function with good arguments and what kind of
argument each one is (an array read by value, an array held by reference, a
real number, an int, a generator, an option). From the kinds the bad inputs
are generated: complex, object, string and bool arrays, ``None``, ragged lists,
empty arrays, a dimension too many, a size that disagrees, NaN, infinities,
numbers out of range, floats where ints belong, seeds where generators belong.
For every one the test asserts the exception type (`TypeError` for a wrong
kind, `ValueError` for a wrong value or shape, `KeyError` for an unknown name),
that the message is one of the policy's two sentences and names the argument,
that no warning is raised, and that no array given to the call changed. Lists
and integer arrays, where an array is read by value, must give the same result
as the float array.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from labcode import (
    activations,
    autograd,
    backprop,
    gradcheck,
    gradients,
    graph,
    layers,
    network,
    nn,
    optim,
    params,
    pitfalls,
    reference,
    shapes,
    trainer,
)

MODULES = (activations, autograd, backprop, gradcheck, gradients, graph, layers, network, nn, optim, params,
           pitfalls, reference, shapes, trainer)

#: Dunder methods that are part of a class's public interface.
PUBLIC_DUNDERS = ("__call__", "__setitem__")


def public_callables() -> list[str]:
    """``module.name`` for every callable in an ``__all__``, and ``module.Class.method`` for its methods."""
    found = []
    for module in MODULES:
        short = module.__name__.removeprefix("labcode.")
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj):
                continue  # a constant
            found.append(f"{short}.{name}")
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_") and attr not in PUBLIC_DUNDERS:
                        continue
                    if isinstance(value, (classmethod, staticmethod)) or inspect.isfunction(value):
                        found.append(f"{short}.{name}.{attr}")
    return found


# --- the kinds of argument, and the bad inputs each one gets ------------------


@dataclass(frozen=True)
class Arr:
    """An array read by value: lists and integers are converted, other dtypes refused.

    ``spec`` is its shape in the book's letters (as for `check_shapes`), ``"..."``
    for any shape, or ``"=name"`` for the shape of another argument. ``empty``
    says what an empty array gives: "error", "ok" (an element-wise function
    returns an empty result) or "skip" (the error names another argument).
    ``grow`` is the letter whose size is changed for the "disagreeing size"
    case (by default the first letter the spec shares with another argument).
    """

    spec: str
    name: str | None = None
    empty: str | None = None
    grow: str | None = None
    dtypes: bool = True  # False for check_shapes, which checks shapes only
    ints: bool = True  # False where rounding the good values to integers would be meaningless
    none: bool = True  # False where None has a meaning of its own (no seed gradient)
    scalar: bool = True  # for "...": whether a single number is accepted too


@dataclass(frozen=True)
class Shared:
    """An array held by reference: it must already be a floating ndarray (and writable, if so marked)."""

    spec: str
    writable: bool = False
    name: str | None = None
    empty: str | None = None


@dataclass(frozen=True)
class Real:
    above: float | None = None
    at_least: float | None = None
    optional: bool = False
    name: str | None = None


@dataclass(frozen=True)
class Int:
    at_least: int | None = None
    optional: bool = False
    name: str | None = None


@dataclass(frozen=True)
class Rng:
    optional: bool = False
    name: str | None = None


@dataclass(frozen=True)
class Option:
    """A name from a list: an unknown one raises ``error``, a non-string a TypeError."""

    unknown: str
    error: type[Exception] = ValueError
    name: str | None = None


@dataclass(frozen=True)
class Case:
    label: str
    overrides: dict[str, Any]
    error: type[Exception] | None  # None: accepted
    name: str | None = None  # the argument the message must name
    same_as: dict[str, Any] | None = None  # accepted: must give what these overrides give


@dataclass
class Entry:
    call: Callable[..., Any]
    good: Callable[[], dict[str, Any]]
    kinds: dict[str, Any] = field(default_factory=dict)
    extra: list[Case] = field(default_factory=list)
    fixed: tuple[str, ...] = ()  # letters whose size is set outside the arguments (a layer's width)


def _letters(spec: str) -> list[str]:
    return spec.split() if spec not in ("...",) and not spec.startswith("=") else []


def _tied(entry: Entry, arg: str, kind: Arr | Shared) -> int | None:
    """The axis of ``arg`` to grow so that its size disagrees with another argument, if any."""
    letters = _letters(kind.spec)
    if kind.spec.startswith("="):
        return 0 if np.ndim(entry.good()[arg]) else None
    others = {letter for other, k in entry.kinds.items() if other != arg and isinstance(k, (Arr, Shared))
              for letter in _letters(k.spec)} | set(entry.fixed)
    wanted = getattr(kind, "grow", None)
    for axis, letter in enumerate(letters):
        if (wanted is None and (letter in others or letter.isdigit())) or letter == wanted:
            return axis
    return None


def _grown(a: np.ndarray, axis: int) -> np.ndarray:
    return np.concatenate([a, np.take(a, [0], axis=axis)], axis=axis)


def _ragged(a: np.ndarray) -> list:
    rows = [list(np.atleast_1d(row).ravel()) for row in np.atleast_2d(a)]
    return rows[:-1] + [rows[-1] + [1.0]] if len(rows) > 1 else [rows[0], rows[0] + [1.0]]


def array_cases(entry: Entry, arg: str, kind: Arr) -> list[Case]:
    good = np.asarray(entry.good()[arg])
    name = kind.name or arg
    cases = []
    if kind.dtypes:
        cases += [
            Case("complex", {arg: good.astype(complex) + 1j}, TypeError, name),
            Case("object", {arg: good.astype(object)}, TypeError, name),
            Case("str", {arg: np.full(good.shape, "1.5")}, TypeError, name),
            Case("bool", {arg: good > 0}, TypeError, name),
        ]
        if kind.none:
            cases.append(Case("None", {arg: None}, TypeError, name))
    if good.ndim:
        cases.append(Case("list", {arg: good.tolist()}, None, same_as={arg: good}))
    if kind.ints:
        cases.append(Case("int", {arg: np.round(good).astype(np.int64)}, None,
                          same_as={arg: np.round(good).astype(np.float64)}))
    if good.ndim >= 1:
        cases.append(Case("ragged", {arg: _ragged(good)}, ValueError, name))
        empty = kind.empty or ("ok" if kind.spec == "..." else "error")
        if empty != "skip":
            cases.append(Case("empty", {arg: good[:0]}, ValueError if empty == "error" else None, name))
    if kind.spec != "...":
        cases.append(Case("ndim + 1", {arg: good[..., None]}, ValueError, name))
        axis = _tied(entry, arg, kind)
        if axis is not None:
            cases.append(Case("size", {arg: _grown(good, axis)}, ValueError, name))
    elif kind.scalar and kind.empty != "skip":
        cases.append(Case("a single number", {arg: float(good.ravel()[0])}, None))
    return cases


def shared_cases(entry: Entry, arg: str, kind: Shared) -> list[Case]:
    good = entry.good()[arg]
    name = kind.name or arg
    read_only = good.copy()
    read_only.flags.writeable = False
    cases = [
        Case("list", {arg: good.tolist()}, TypeError, name),
        Case("int", {arg: np.round(good).astype(np.int64)}, TypeError, name),
        Case("complex", {arg: good.astype(complex)}, TypeError, name),
        Case("bool", {arg: good > 0}, TypeError, name),
        Case("None", {arg: None}, TypeError, name),
    ]
    if kind.writable:
        cases.append(Case("read-only", {arg: read_only}, ValueError, name))
    empty = kind.empty or ("ok" if kind.spec == "..." else "error")
    if empty != "skip":
        cases.append(Case("empty", {arg: good[:0].copy()}, ValueError if empty == "error" else None, name))
    if kind.spec != "...":
        cases.append(Case("ndim + 1", {arg: good[..., None].copy()}, ValueError, name))
        axis = _tied(entry, arg, kind)
        if axis is not None:
            cases.append(Case("size", {arg: _grown(good, axis)}, ValueError, name))
    return cases


def scalar_cases(arg: str, kind: Real | Int | Rng | Option) -> list[Case]:
    name = kind.name or arg
    if isinstance(kind, Real):
        cases = [Case(label, {arg: value}, ValueError, name)
                 for label, value in (("nan", float("nan")), ("inf", float("inf")), ("-inf", -float("inf")))]
        if kind.above is not None:
            cases += [Case("at the bound", {arg: float(kind.above)}, ValueError, name),
                      Case("below", {arg: kind.above - 1.0}, ValueError, name)]
        if kind.at_least is not None:
            cases.append(Case("below", {arg: kind.at_least - 0.5}, ValueError, name))
        cases += [Case(label, {arg: value}, TypeError, name)
                  for label, value in (("str", "0.5"), ("complex", 0.5j), ("bool", True), ("array", np.ones(2)))]
        if not kind.optional:
            cases.append(Case("None", {arg: None}, TypeError, name))
        return cases
    if isinstance(kind, Int):
        cases = [Case(label, {arg: value}, TypeError, name)
                 for label, value in (("float", 2.0), ("bool", True), ("str", "2"), ("array", np.ones(2, int)))]
        if kind.at_least is not None:
            cases.append(Case("below", {arg: kind.at_least - 1}, ValueError, name))
        if not kind.optional:
            cases.append(Case("None", {arg: None}, TypeError, name))
        return cases
    if isinstance(kind, Rng):
        cases = [Case("seed", {arg: 0}, TypeError, name),
                 Case("RandomState", {arg: np.random.RandomState(0)}, TypeError, name)]
        if not kind.optional:
            cases.append(Case("None", {arg: None}, TypeError, name))
        return cases
    if isinstance(kind, Option):
        return [Case("unknown", {arg: kind.unknown}, kind.error, name),
                Case("int", {arg: 3}, TypeError, name)]
    raise AssertionError(kind)


def cases_of(entry: Entry) -> list[Case]:
    cases = []
    for arg, kind in entry.kinds.items():
        if isinstance(kind, Arr):
            cases += array_cases(entry, arg, kind)
        elif isinstance(kind, Shared):
            cases += shared_cases(entry, arg, kind)
        else:
            cases += scalar_cases(arg, kind)
    return cases + entry.extra


# --- good arguments ------------------------------------------------------------


def R(*shape: int, low: float = 0.6, high: float = 2.4, seed: int = 0) -> np.ndarray:
    """Random float64 values in [low, high] (their rounding to integers is never 0)."""
    return np.random.default_rng(seed).uniform(low, high, shape)


def net(p: int = 3, d: int = 2, q: int = 1, n: int = 4) -> dict[str, np.ndarray]:
    return {"X": R(n, p, seed=1), "Y": R(n, q, seed=2), "beta1": R(p, d, seed=3) / 4, "beta2": R(d, q, seed=4)}


def _read_only(shape: tuple[int, ...]) -> np.ndarray:
    a = np.ones(shape)
    a.flags.writeable = False
    return a


def _variable_backward(grad: Any) -> np.ndarray:
    x = autograd.Variable(np.ones(3))
    (x * 2.0).backward(grad)
    return x.grad


def _unit_backward(grad_out: Any, unit: Any = None) -> Any:
    unit = graph.Exp() if unit is None else unit
    unit.forward(np.array([0.5, 1.0, 1.5]))
    return unit.backward(grad_out)


def _two_input_backward(cls: type, grad_out: Any) -> Any:
    node = cls()
    node.forward(np.array([0.5, 1.0, 1.5]), np.array([1.0, 2.0, 3.0]))
    return node.backward(grad_out)


def _fanout_backward(grad_1: Any, grad_2: Any) -> Any:
    node = graph.FanOut()
    node.forward(np.array([0.5, 1.0, 1.5]))
    return node.backward(grad_1, grad_2)


def _dense() -> layers.Dense:
    return layers.Dense.from_arrays(R(3, 2, seed=5), R(2, seed=6), activation="tanh")


def _dense_backward(grad_out: Any) -> Any:
    layer = _dense()
    layer.forward(R(4, 3, seed=7))
    return layer.backward(grad_out), layer.grad_W, layer.grad_b


def _network() -> network.Network:
    return network.Network({"W1": R(3, 2, seed=8), "b1": R(2, seed=9), "W2": R(2, 1, seed=10),
                            "b2": R(1, seed=11)}, ["sigmoid", "identity"])


def _sgd_step(W1: Any, g1: Any, W2: Any, g2: Any, lr: Any) -> tuple:
    v1, v2 = autograd.Variable(np.zeros(1)), autograd.Variable(np.zeros(1))
    v1.data, v1.grad, v2.data, v2.grad = W1, g1, W2, g2
    optimizer = optim.SGD([v1, v2], lr=0.5)
    optimizer.lr = lr
    optimizer.step()
    return v1.data, v2.data


def _trainer_fit(X: Any, Y: Any, epochs: Any, print_every: Any = None) -> Any:
    model = nn.Linear(3, 1, weight=np.zeros((3, 1)))
    fit = trainer.Trainer(model, autograd.mean_squared_error, optim.SGD(model.parameters(), lr=0.01))
    log = fit.fit(X, Y, epochs, print_every=print_every)
    return log.losses, model.W.data


def _train_loop(X: Any, Y: Any, epochs: Any, zero_grad: Any = True, model: Any = None, optimizer: Any = None) -> Any:
    linear = nn.Linear(3, 1, weight=np.zeros((3, 1)))
    losses = reference.train_loop(linear if model is None else model,
                                  optim.SGD(linear.parameters(), lr=0.01) if optimizer is None else optimizer,
                                  X, Y, epochs, zero_grad=zero_grad)
    return losses, linear.W.data


def _check_gradient(w: Any, g: Any, _analytic: Any = None, **kw: Any) -> Any:
    analytic = {"w": g} if _analytic is None else _analytic
    return gradcheck.check_gradient(lambda: float(np.sum(np.asarray(w) ** 2)), {"w": w}, analytic, **kw)


def _numerical_gradient(w: Any, _params: Any = None, **kw: Any) -> Any:
    chosen = {"w": w} if _params is None else _params
    return gradcheck.numerical_gradient(lambda: float(np.sum(np.asarray(w) ** 2)), chosen, **kw)


def _directional(theta: Any, rng: Any, _grad: Any = None, **kw: Any) -> Any:
    grad = (lambda t: 2 * t) if _grad is None else _grad
    return gradcheck.directional_check(lambda t: float(t @ t), grad, theta, rng, **kw)


def _setitem(value: Any, _name: str = "W") -> np.ndarray:
    p = params.Parameters({"W": np.ones((2, 3))})
    p[_name] = value
    return p["W"]


def _linear(**kw: Any) -> Any:
    return nn.Linear(**kw).W.data


ELEMENTWISE = ("sigmoid", "sigmoid_naive", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime",
               "identity", "identity_prime")

POLICY: dict[str, Entry] = {
    **{f"activations.{f}": Entry(lambda x, f=f: getattr(activations, f)(x), lambda: {"x": R(2, 3)},
                                 {"x": Arr("...")}) for f in ELEMENTWISE},
    "activations.get": Entry(activations.get, lambda: {"name": "relu"},
                             {"name": Option("softmax", KeyError, name="activation")}),
    # --- autograd ---
    "autograd.Variable": Entry(lambda data: autograd.Variable(data), lambda: {"data": R(2, 3)}, {"data": Arr("...")},
                               [Case("a Variable", {"data": autograd.Variable(1.0)}, TypeError, "data")]),
    "autograd.Variable.backward": Entry(_variable_backward, lambda: {"grad": R(3)}, {"grad": Arr("3", none=False)}),
    "autograd.as_variable": Entry(autograd.as_variable, lambda: {"x": R(2, 3)}, {"x": Arr("...")}),
    "autograd.Function.__call__": Entry(lambda x0, x1: autograd.Add()(x0, x1), lambda: {"x0": R(2, 3), "x1": R(3)},
                                        {"x0": Arr("...", empty="skip"), "x1": Arr("...", empty="skip")},
                                        [Case("no broadcast", {"x1": R(2)}, ValueError, "x1")]),
    **{f"autograd.{f}": Entry(lambda x0, x1, f=f: getattr(autograd, f)(x0, x1), lambda: {"x0": R(2, 3), "x1": R(3)},
                              {"x0": Arr("...", empty="skip"), "x1": Arr("...", empty="skip")},
                              [Case("no broadcast", {"x1": R(2)}, ValueError, "x1"),
                               Case("both empty", {"x0": np.ones((0, 3)), "x1": np.ones(3)}, None)])
       for f in ("add", "mul", "sub")},
    **{f"autograd.{f}": Entry(lambda x, f=f: getattr(autograd, f)(x), lambda: {"x": R(2, 3)}, {"x": Arr("...")})
       for f in ("neg", "relu", "square", "sum")},
    "autograd.mean": Entry(autograd.mean, lambda: {"x": R(2, 3)}, {"x": Arr("...", empty="error")}),
    "autograd.matmul": Entry(autograd.matmul, lambda: {"x": R(4, 3), "W": R(3, 2)},
                             {"x": Arr("n p"), "W": Arr("p d")}),
    "autograd.mean_squared_error": Entry(autograd.mean_squared_error, lambda: {"y_pred": R(4, 2), "y": R(4, 2, seed=1)},
                                         {"y_pred": Arr("...", empty="error", scalar=False), "y": Arr("=y_pred")}),
    "autograd.sum_to": Entry(autograd.sum_to, lambda: {"g": R(2, 3), "shape": (3,)},
                             {"g": Arr("...", scalar=False)},
                             [Case("shape not a tuple", {"shape": 3}, TypeError, "shape"),
                              Case("shape does not broadcast", {"shape": (2,)}, ValueError, "g"),
                              Case("g has a dimension more", {"g": R(2, 3, 2)}, ValueError, "g")]),
    # --- backprop ---
    "backprop.forward": Entry(backprop.forward, lambda: {"X": R(4, 3), "W1": R(3, 2), "W2": R(2, 1)},
                              {"X": Arr("n p"), "W1": Arr("p d"), "W2": Arr("d q")}),
    "backprop.mse_nq": Entry(backprop.mse_nq, lambda: {"y_pred": R(4, 2), "Y": R(4, 2, seed=1)},
                               {"y_pred": Arr("n q"), "Y": Arr("n q")}),
    "backprop.backward": Entry(
        backprop.backward,
        lambda: {"X": R(4, 3), "Y": R(4, 1, seed=1), "W2": R(2, 1, seed=2), "z": R(4, 2, seed=3),
                 "h": R(4, 2, seed=4), "y_pred": R(4, 1, seed=5)},
        {"X": Arr("n p"), "Y": Arr("n q"), "W2": Arr("d q"), "z": Arr("n d"), "h": Arr("n d"), "y_pred": Arr("n q")}),
    "backprop.sgd_update": Entry(backprop.sgd_update, lambda: {"W": R(2, 3), "grad_W": R(2, 3, seed=1), "lr": 0.5},
                                 {"W": Shared("...", writable=True, empty="skip"), "grad_W": Arr("=W"),
                                  "lr": Real(above=0)},
                                 [Case("both empty", {"W": np.ones((0, 3)), "grad_W": np.ones((0, 3))}, None)]),
    "backprop.train_by_hand": Entry(
        backprop.train_by_hand,
        lambda: {"X": R(4, 3), "Y": R(4, 1, seed=1), "W1": R(3, 2, seed=2), "W2": R(2, 1, seed=3), "lr": 0.01,
                 "epochs": 2},
        {"X": Arr("n p"), "Y": Arr("n q"), "W1": Shared("p d", writable=True), "W2": Shared("d q", writable=True),
         "lr": Real(above=0), "epochs": Int(at_least=0)}),
    # --- gradcheck ---
    **{f"gradcheck.{f}": Entry(lambda x, h, f=f: getattr(gradcheck, f)(np.sin, x, h), lambda: {"x": 0.5, "h": 1e-3},
                               {"x": Arr(""), "h": Real(above=0)},
                               [Case("x an array", {"x": R(2)}, ValueError, "x"),
                                Case("x complex", {"x": 0.5j}, TypeError, "x"),
                                Case("x str", {"x": "0.5"}, TypeError, "x"),
                                Case("x bool", {"x": True}, TypeError, "x"),
                                Case("x None", {"x": None}, TypeError, "x")])
       for f in ("forward_difference", "central_difference")},
    "gradcheck.difference_errors": Entry(
        lambda x, steps, dtype=np.float64: gradcheck.difference_errors(np.sin, np.cos, x, steps, dtype),
        lambda: {"x": 0.5, "steps": np.array([1e-2, 1e-3])},
        {"x": Real(), "steps": Arr("m", ints=False)},
        [Case("a zero step", {"steps": np.array([1e-2, 0.0])}, ValueError, "steps"),
         Case("a nan step", {"steps": np.array([np.nan, 1e-3])}, ValueError, "steps"),
         Case("a negative step", {"steps": np.array([-1e-2])}, ValueError, "steps"),
         Case("int dtype", {"dtype": np.int64}, TypeError, "dtype"),
         Case("dtype by name", {"dtype": "float32"}, None, same_as={"dtype": np.float32})]),
    "gradcheck.relative_error": Entry(gradcheck.relative_error,
                                      lambda: {"analytic": R(2, 3), "numeric": R(2, 3, seed=1), "floor": 0.0},
                                      {"analytic": Arr("...", empty="skip"), "numeric": Arr("=analytic"),
                                       "floor": Real(at_least=0)},
                                      [Case("both empty", {"analytic": np.ones((0, 3)), "numeric": np.ones((0, 3))},
                                            None)]),
    "gradcheck.numerical_gradient": Entry(
        _numerical_gradient, lambda: {"w": R(2, 3), "h": 1e-6, "method": "central"},
        {"w": Shared("...", writable=True, empty="error"), "h": Real(above=0, optional=True),
         "method": Option("backward")},
        [Case("float32", {"w": R(2, 3).astype(np.float32)}, TypeError, "w"),
         Case("params a list", {"w": None, "_params": [np.ones(2)]}, TypeError, "params"),
         Case("params empty", {"w": None, "_params": {}}, ValueError, "params")]),
    "gradcheck.check_gradient": Entry(
        _check_gradient, lambda: {"w": R(2, 3), "g": R(2, 3, seed=1), "h": 1e-6, "method": "central", "tol": 1e-6,
                                  "floor": None, "n": None, "worst": 3},
        {"w": Shared("...", writable=True, empty="error"), "g": Arr("=w", name="analytic['w']"),
         "h": Real(above=0, optional=True), "method": Option("backward"), "tol": Real(above=0),
         "floor": Real(at_least=0, optional=True), "n": Int(at_least=1, optional=True), "worst": Int(at_least=1)},
        [Case("float32", {"w": R(2, 3).astype(np.float32)}, TypeError, "w"),
         Case("analytic a list", {"_analytic": [np.ones((2, 3))]}, TypeError, "analytic"),
         Case("analytic names", {"_analytic": {"v": np.ones((2, 3))}}, ValueError, "analytic")]),
    "gradcheck.directional_check": Entry(
        _directional, lambda: {"theta": R(5), "rng": np.random.default_rng(0), "directions": 2, "h": 1e-6, "tol": 1e-6,
                               "args": ()},
        {"theta": Arr("P"), "rng": Rng(), "directions": Int(at_least=1), "h": Real(above=0, optional=True),
         "tol": Real(above=0)},
        [Case("args a list", {"args": []}, TypeError, "args"),
         Case("grad of another shape", {"_grad": lambda t: np.ones(3)}, ValueError, "grad(theta)"),
         Case("grad complex", {"_grad": lambda t: t + 1j}, TypeError, "grad(theta)")]),
    # --- gradients ---
    "gradients.mse_n": Entry(gradients.mse_n, lambda: {"Y": R(4, 2), "Y_hat": R(4, 2, seed=1)},
                           {"Y": Arr("n q"), "Y_hat": Arr("n q")}),
    **{f"gradients.{f}": Entry(getattr(gradients, f), lambda: {"beta": R(3, 2), "X": R(4, 3, seed=1), "Y": R(4, 2, seed=2)},
                               {"beta": Arr("p q"), "X": Arr("n p"), "Y": Arr("n q")})
       for f in ("linear_loss", "linear_gradient")},
    **{f"gradients.{f}": Entry(getattr(gradients, f), lambda: {"b": R(6), "X": R(4, 3, seed=1), "Y": R(4, 2, seed=2)},
                               {"b": Arr("P"), "X": Arr("n p"), "Y": Arr("n q")}, fixed=("P",))
       for f in ("linear_loss_flat", "linear_gradient_flat")},
    **{f"gradients.{f}": Entry(getattr(gradients, f), lambda: {**net(), "activation": "tanh"},
                               {"beta1": Arr("p d"), "beta2": Arr("d q"), "X": Arr("n p"), "Y": Arr("n q"),
                                "activation": Option("softmax", KeyError, name="activation")})
       for f in ("net_loss", "net_gradient", "net_gradient_recomputed")},
    "gradients.pack": Entry(gradients.pack, lambda: {"beta1": R(3, 2), "beta2": R(2, 1)},
                            {"beta1": Arr("p d"), "beta2": Arr("d q")}),
    "gradients.unpack": Entry(gradients.unpack, lambda: {"theta": R(8), "p": 3, "d": 2, "q": 1},
                              {"theta": Arr("P"), "p": Int(at_least=1), "d": Int(at_least=1), "q": Int(at_least=1)},
                              fixed=("P",)),
    **{f"gradients.{f}": Entry(getattr(gradients, f),
                               lambda: {"theta": R(8), "X": R(4, 3, seed=1), "Y": R(4, 1, seed=2), "d": 2,
                                        "activation": "sigmoid"},
                               {"theta": Arr("P"), "X": Arr("n p"), "Y": Arr("n q"), "d": Int(at_least=1),
                                "activation": Option("softmax", KeyError, name="activation")}, fixed=("P",))
       for f in ("net_loss_flat", "net_gradient_flat")},
    "gradients.add_bias": Entry(gradients.add_bias, lambda: {"X": R(4, 3)}, {"X": Arr("n p")}),
    # --- graph ---
    "graph.Unit.forward": Entry(lambda x: graph.Exp().forward(x), lambda: {"x": R(2, 3)}, {"x": Arr("...")}),
    "graph.Unit.backward": Entry(_unit_backward, lambda: {"grad_out": R(3)}, {"grad_out": Arr("3")},
                                 [Case("a scalar", {"grad_out": 2.0}, None)]),
    "graph.Scale": Entry(lambda c: graph.Scale(c).forward(R(3)), lambda: {"c": 2.5}, {"c": Real()}),
    "graph.AddConst": Entry(lambda c: graph.AddConst(c).forward(R(3)), lambda: {"c": 2.5}, {"c": Real()}),
    "graph.Power": Entry(lambda p, _x=None: graph.Power(p).forward(R(3) if _x is None else _x), lambda: {"p": 2.5},
                         {"p": Real()},
                         [Case("0 ** -1", {"_x": np.array([0.0, 1.0]), "p": -1.0}, ValueError, "x"),
                          Case("(-1) ** 0.5", {"_x": np.array([-1.0, 1.0]), "p": 0.5}, ValueError, "x")]),
    "graph.Chain": Entry(lambda units: graph.Chain(units).forward(R(3)), lambda: {"units": [graph.Exp()]}, {},
                         [Case("no unit", {"units": []}, ValueError, "units"),
                          Case("not a unit", {"units": [graph.Exp(), np.exp]}, TypeError, "units[1]"),
                          Case("one unit, not a list", {"units": graph.Exp()}, TypeError, "units")]),
    "graph.Chain.forward": Entry(lambda x: graph.Chain([graph.Scale(2.0), graph.Exp()]).forward(x),
                                 lambda: {"x": R(2, 3)}, {"x": Arr("...")}),
    "graph.Chain.backward": Entry(lambda grad_out: _unit_backward(grad_out, graph.Chain([graph.Scale(2.0), graph.Exp()])),
                                  lambda: {"grad_out": R(3)}, {"grad_out": Arr("3")}),
    **{f"graph.{cls}.forward": Entry(lambda a, b, cls=cls: getattr(graph, cls)().forward(a, b),
                                     lambda: {"a": R(2, 3), "b": R(2, 3, seed=1)},
                                     {"a": Arr("...", empty="skip"), "b": Arr("=a")},
                                     [Case("both empty", {"a": np.ones((0, 3)), "b": np.ones((0, 3))}, None)])
       for cls in ("AddUnit", "MultiplyUnit")},
    **{f"graph.{cls}.backward": Entry(lambda grad_out, cls=cls: _two_input_backward(getattr(graph, cls), grad_out),
                                      lambda: {"grad_out": R(3)}, {"grad_out": Arr("3")})
       for cls in ("AddUnit", "MultiplyUnit")},
    "graph.FanOut.forward": Entry(lambda x: graph.FanOut().forward(x), lambda: {"x": R(2, 3)}, {"x": Arr("...")}),
    "graph.FanOut.backward": Entry(_fanout_backward, lambda: {"grad_1": R(3), "grad_2": R(3, seed=1)},
                                   {"grad_1": Arr("3"), "grad_2": Arr("3")}),
    "graph.trace": Entry(lambda x, grad_out=1.0, chain=None: graph.trace(chain or graph.sigmoid_chain(), x, grad_out),
                         lambda: {"x": R(3), "grad_out": R(3, seed=1)},
                         {"x": Arr("...", empty="skip", scalar=False), "grad_out": Arr("3")},
                         [Case("chain not a Chain", {"chain": graph.Exp()}, TypeError, "chain")]),
    "graph.format_trace": Entry(graph.format_trace, lambda: {"rows": graph.trace(graph.sigmoid_chain(), 1.0), "digits": 4},
                                {"digits": Int(at_least=0, optional=True)},
                                [Case("unknown column", {"columns": ["slope"]}, ValueError, "columns"),
                                 Case("columns a string", {"columns": "value"}, TypeError, "columns"),
                                 Case("rows not a list", {"rows": 3}, TypeError, "rows"),
                                 Case("a row not a TraceRow", {"rows": [3]}, TypeError, "rows[0]"),
                                 Case("a row of arrays", {"rows": graph.trace(graph.sigmoid_chain(), R(2))},
                                      ValueError, "rows[0].value")]),
    # --- layers, network, params ---
    "layers.dense_rows": Entry(layers.dense_rows, lambda: {"X": R(4, 3), "W": R(3, 2, seed=1), "b": R(2, seed=2),
                                                           "activation": "relu"},
                               {"X": Arr("N L"), "W": Arr("L M"), "b": Arr("M"),
                                "activation": Option("softmax", KeyError, name="activation")}),
    "layers.dense_columns": Entry(layers.dense_columns, lambda: {"W": R(3, 2), "X": R(3, 4, seed=1), "B": R(2, 1, seed=2),
                                                                 "activation": "relu"},
                                  {"W": Arr("L M"), "X": Arr("L N"), "B": Arr("M 1"),
                                   "activation": Option("softmax", KeyError, name="activation")}),
    "layers.Dense": Entry(lambda **kw: layers.Dense(**kw).W,
                          lambda: {"in_size": 3, "out_size": 2, "rng": np.random.default_rng(0), "scale": 0.05,
                                   "activation": "tanh"},
                          {"in_size": Int(at_least=1), "out_size": Int(at_least=1), "rng": Rng(), "scale": Real(at_least=0),
                           "activation": Option("softmax", KeyError, name="activation")}),
    "layers.Dense.from_arrays": Entry(lambda W, b: layers.Dense.from_arrays(W, b).W, lambda: {"W": R(3, 2), "b": R(2)},
                                      {"W": Shared("prev n"), "b": Shared("n")}),
    "layers.Dense.forward": Entry(lambda X: _dense().forward(X), lambda: {"X": R(4, 3)}, {"X": Arr("n in_size")},
                                  fixed=("in_size",)),
    "layers.Dense.backward": Entry(_dense_backward, lambda: {"grad_out": R(4, 2)}, {"grad_out": Arr("n out_size")},
                                   fixed=("n", "out_size")),
    "network.Network": Entry(
        lambda params, activations: network.Network(params, activations).forward(np.ones((2, 3))),
        lambda: {"params": {"W1": R(3, 2), "b1": R(2), "W2": R(2, 1), "b2": R(1)}, "activations": ["tanh", "identity"]},
        {},
        [Case("params a list", {"params": [np.ones((3, 2))]}, TypeError, "params"),
         Case("misnamed", {"params": {"W1": R(3, 2), "b2": R(2)}}, ValueError, "params"),
         Case("no params", {"params": {}}, ValueError, "params"),
         Case("complex", {"params": {"W1": R(3, 2) + 1j, "b1": R(2)}, "activations": ["tanh"]}, TypeError,
              "parameter 'W1'"),
         Case("empty", {"params": {"W1": np.ones((3, 0)), "b1": np.ones(0)}, "activations": ["tanh"]}, ValueError,
              "parameter 'W1'"),
         Case("shapes", {"params": {"W1": R(3, 2), "b1": R(3)}, "activations": ["tanh"]}, ValueError, "b1"),
         Case("activations a string", {"activations": "tanh"}, TypeError, "activations"),
         Case("activations one short", {"activations": ["tanh"]}, ValueError, "activations")]),
    "network.Network.init": Entry(
        lambda **kw: network.Network.init(**kw).params["W1"],
        lambda: {"sizes": [3, 2, 1], "rng": np.random.default_rng(0), "scale": 0.5, "hidden": "tanh",
                 "output": "identity"},
        {"rng": Rng(), "scale": Real(at_least=0), "hidden": Option("softmax", KeyError, name="activation"),
         "output": Option("softmax", KeyError, name="activation")},
        [Case("a float size", {"sizes": [3, 2.0]}, TypeError, "sizes[1]"),
         Case("a zero size", {"sizes": [3, 0]}, ValueError, "sizes[1]"),
         Case("one size", {"sizes": [3]}, ValueError, "sizes"),
         Case("sizes an int", {"sizes": 3}, TypeError, "sizes")]),
    "network.Network.forward": Entry(lambda X: _network().forward(X), lambda: {"X": R(4, 3)}, {"X": Arr("N p")},
                                     fixed=("p",)),
    **{f"network.Network.{f}": Entry(lambda X, Y, f=f: getattr(_network(), f)(X, Y),
                                     lambda: {"X": R(4, 3), "Y": R(4, 1, seed=1)},
                                     {"X": Arr("N p", grow="p"), "Y": Arr("N q")}, fixed=("p", "q"))
       for f in ("loss", "gradient")},
    "params.Parameters": Entry(lambda W, b, _arrays=None: params.Parameters({"W": W, "b": b} if _arrays is None
                                                                           else _arrays)["W"],
                               lambda: {"W": R(2, 3), "b": R(3)},
                               {"W": Arr("...", name="parameter 'W'", empty="error"),
                                "b": Arr("...", name="parameter 'b'", empty="error")},
                               [Case("a list of pairs", {"_arrays": [("W", np.ones(2))]}, TypeError, "arrays"),
                                Case("a name not a string", {"_arrays": {1: np.ones(2)}}, TypeError,
                                     "parameter names")]),
    "params.Parameters.__setitem__": Entry(_setitem, lambda: {"value": R(2, 3)},
                                           {"value": Arr("2 3", name="the value for 'W'")},
                                           [Case("unknown name", {"_name": "V"}, KeyError, "'V'")]),
    # --- nn, optim, trainer, pitfalls ---
    "nn.Linear": Entry(_linear, lambda: {"in_size": 3, "out_size": 2, "rng": np.random.default_rng(0)},
                       {"in_size": Int(at_least=1), "out_size": Int(at_least=1), "rng": Rng(optional=True)},
                       [Case("neither weight nor rng", {"rng": None}, ValueError, "weight"),
                        Case("weight a list", {"weight": [[1.0, 2.0]] * 3}, TypeError, "weight"),
                        Case("weight int", {"weight": np.ones((3, 2), int)}, TypeError, "weight"),
                        Case("weight transposed", {"weight": np.ones((2, 3))}, ValueError, "weight"),
                        Case("dtype int", {"dtype": np.int64}, TypeError, "dtype"),
                        Case("dtype None", {"dtype": None}, TypeError, "dtype")]),
    "nn.Linear.forward": Entry(lambda x: nn.Linear(3, 2, weight=R(3, 2))(x).data, lambda: {"x": R(4, 3)},
                               {"x": Arr("n p")}, fixed=("p",)),
    "nn.ReLU.forward": Entry(lambda x: nn.ReLU()(x).data, lambda: {"x": R(4, 3) - 1.5}, {"x": Arr("...")}),
    "nn.Sequential": Entry(lambda layers_: nn.Sequential(*layers_), lambda: {"layers_": [nn.ReLU()]}, {},
                           [Case("a function", {"layers_": [nn.ReLU(), autograd.relu]}, TypeError, "layers[1]")]),
    "nn.Sequential.forward": Entry(lambda x: nn.Sequential(nn.Linear(3, 2, weight=R(3, 2)), nn.ReLU())(x).data,
                                   lambda: {"x": R(4, 3)}, {"x": Arr("n p")}, fixed=("p",)),
    "optim.SGD": Entry(lambda params, lr: optim.SGD(params, lr).lr,
                       lambda: {"params": [autograd.Variable(np.ones(2))], "lr": 0.1}, {"lr": Real(above=0)},
                       [Case("params a Variable", {"params": autograd.Variable(np.ones(2))}, TypeError, "params"),
                        Case("params an int", {"params": 3}, TypeError, "params"),
                        Case("no params", {"params": []}, ValueError, "params"),
                        Case("an array", {"params": [np.ones(2)]}, TypeError, "params[0]"),
                        Case("a constant", {"params": [autograd.Variable(1.0, requires_grad=False)]}, ValueError,
                             "params[0]")]),
    "optim.SGD.step": Entry(_sgd_step, lambda: {"W1": R(2, 3), "g1": R(2, 3, seed=1), "W2": R(3), "g2": R(3, seed=2),
                                                "lr": 0.5},
                            {"W1": Shared("...", writable=True, name="params[0].data", empty="skip"),
                             "g1": Arr("=W1", name="params[0].grad", none=False),
                             "W2": Shared("...", writable=True, name="params[1].data", empty="skip"),
                             "g2": Arr("=W2", name="params[1].grad", none=False), "lr": Real(above=0)},
                            [Case("no gradient yet", {"g1": None, "g2": None}, None)]),
    "trainer.batches": Entry(lambda **kw: list(trainer.batches(**kw)),
                             lambda: {"X": R(5, 3), "Y": R(5, 1, seed=1), "batch_size": 2,
                                      "rng": np.random.default_rng(0)},
                             {"X": Arr("n p"), "Y": Arr("n q"), "batch_size": Int(at_least=1, optional=True),
                              "rng": Rng(optional=True)}),
    "trainer.Trainer": Entry(
        lambda **kw: trainer.Trainer(**kw).batch_size,
        lambda: {"model": nn.ReLU(), "loss_fn": autograd.mean_squared_error,
                 "optimizer": optim.SGD([autograd.Variable(np.ones(1))]), "batch_size": 2,
                 "rng": np.random.default_rng(0)},
        {"batch_size": Int(at_least=1, optional=True), "rng": Rng(optional=True)},
        [Case("model a function", {"model": autograd.relu}, TypeError, "model"),
         Case("loss_fn not callable", {"loss_fn": 3}, TypeError, "loss_fn"),
         Case("optimizer a list", {"optimizer": []}, TypeError, "optimizer")]),
    "trainer.Trainer.fit": Entry(_trainer_fit, lambda: {"X": R(6, 3), "Y": R(6, 1, seed=1), "epochs": 2},
                                 {"X": Arr("n p"), "Y": Arr("n q"), "epochs": Int(at_least=0),
                                  "print_every": Int(at_least=1, optional=True)}),
    "trainer.TrainingLog.table": Entry(lambda every: trainer.TrainingLog([trainer.EpochRecord(1, 1.0, 0.1)]).table(every),
                                       lambda: {"every": 2}, {"every": Int(at_least=1)}),
    "trainer.TrainingLog.row": Entry(lambda record: trainer.TrainingLog.row(record),
                                     lambda: {"record": trainer.EpochRecord(1, 1.0, 0.1)}, {},
                                     [Case("not a record", {"record": (1, 1.0, 0.1)}, TypeError, "record")]),
    "pitfalls.train_reference": Entry(pitfalls.train_reference, lambda: {"zero_grad": True, "epochs": 1},
                                      {"epochs": Int(at_least=0)},
                                      [Case("zero_grad an int", {"zero_grad": 1}, TypeError, "zero_grad"),
                                       Case("zero_grad a string", {"zero_grad": "no"}, TypeError, "zero_grad")]),
    "reference.train_loop": Entry(_train_loop, lambda: {"X": R(6, 3), "Y": R(6, 1, seed=1), "epochs": 2},
                                  {"X": Arr("n p"), "Y": Arr("n q"), "epochs": Int(at_least=0)},
                                  [Case("zero_grad an int", {"zero_grad": 1}, TypeError, "zero_grad"),
                                   Case("model a function", {"model": autograd.relu}, TypeError, "model"),
                                   Case("optimizer a list", {"optimizer": []}, TypeError, "optimizer")]),
    # --- shapes: the helpers themselves ---
    "shapes.check_shapes": Entry(lambda X, W, spec="p d", _pair=False: shapes.check_shapes(X=(X, "n p"),
                                                                                          W=(W,) if _pair else (W, spec)),
                                 lambda: {"X": R(4, 3), "W": R(3, 2)},
                                 {"X": Arr("n p", dtypes=False), "W": Arr("p d", dtypes=False)},
                                 [Case("spec not a string", {"spec": 3}, TypeError, "the shape spec of W"),
                                  Case("bad token", {"spec": "p d-1"}, ValueError, "the shape spec of W"),
                                  Case("not a pair", {"_pair": True}, TypeError, "W")]),
    "shapes.as_float": Entry(lambda value, share=False, writable=False: shapes.as_float(value, "v", share=share,
                                                                                         writable=writable),
                             lambda: {"value": R(2, 3)}, {"value": Arr("...", name="v")},
                             [Case("share a list", {"value": [1.0], "share": True}, TypeError, "v"),
                              Case("share an int array", {"value": np.ones(2, int), "share": True}, TypeError, "v"),
                              Case("read-only", {"value": _read_only((2,)), "share": True, "writable": True},
                                   ValueError, "v")]),
    "shapes.as_real": Entry(lambda value: shapes.as_real(value, "lr", above=0), lambda: {"value": 0.5},
                            {"value": Real(above=0, name="lr")}),
    "shapes.as_int": Entry(lambda value: shapes.as_int(value, "n", at_least=1), lambda: {"value": 2},
                           {"value": Int(at_least=1, name="n")}),
    "shapes.check_rng": Entry(shapes.check_rng, lambda: {"value": np.random.default_rng(0)},
                              {"value": Rng(name="rng")}),
}


EXEMPT: dict[str, str] = {
    **{name: "a record of results that labcode itself builds"
       for name in ("activations.Activation", "backprop.Forward", "gradcheck.BlockReport", "gradcheck.GradientReport",
                    "gradcheck.DirectionalReport", "graph.TraceRow", "reference.ReferenceProblem",
                    "trainer.EpochRecord", "trainer.TrainingLog")},
    **{name: "no argument to check"
       for name in ("autograd.Variable.cleargrad", "autograd.Variable.sum", "nn.Module.parameters",
                    "nn.Module.cleargrads", "optim.SGD.zero_grad", "graph.Unit.local_derivative",
                    "graph.sigmoid_chain", "reference.reference_problem", "reference.reference_model", "graph.Unit", "graph.Exp",
                    "graph.Negate", "graph.Reciprocal", "graph.AddUnit", "graph.MultiplyUnit", "graph.FanOut", "nn.Module",
                    "nn.ReLU", "autograd.Function", "trainer.TrainingLog.header")},
    **{f"autograd.{cls}": "no argument to check; its call is Function.__call__"
       for cls in ("Add", "Mul", "Neg", "MatMul", "ReLU", "Square", "Sum", "MeanSquaredError")},
    **{f"autograd.{cls}.{method}": "the Function protocol: called by Function.__call__ on arrays it has checked"
       for cls in ("Function", "Add", "Mul", "Neg", "MatMul", "ReLU", "Square", "Sum", "MeanSquaredError")
       for method in ("forward", "backward")},
    "nn.Module.forward": "abstract: a subclass defines it",
    "nn.Module.__call__": "calls forward, whose entry checks the arguments",
}

CASES = {qualname: cases_of(entry) for qualname, entry in POLICY.items()}

#: The policy's two sentences.
SENTENCE = re.compile(r"^(?P<name>.+?) (has shape \(.*\) but .* was expected|must be .*, got )")


def test_every_public_function_has_a_policy_entry() -> None:
    public = set(public_callables())
    missing = sorted(public - set(POLICY) - set(EXEMPT))
    assert not missing, f"public functions without an entry in POLICY (or a reason in EXEMPT): {missing}"
    stale = sorted((set(POLICY) | set(EXEMPT)) - public)
    assert not stale, f"entries for functions that are not public (any more): {stale}"
    assert not set(POLICY) & set(EXEMPT)


def test_the_table_is_large_and_covers_every_kind_of_bad_input() -> None:
    refused = [case for cases in CASES.values() for case in cases if case.error is not None]
    labels = {case.label for case in refused}
    assert {"complex", "object", "str", "bool", "None", "ragged", "empty", "ndim + 1", "size", "nan", "inf",
            "below", "float", "seed", "read-only", "unknown"} <= labels
    assert len(refused) >= 1500, len(refused)


def _arrays_in(args: Mapping[str, Any]) -> list[np.ndarray]:
    found = []
    for value in args.values():
        for item in (value.values() if isinstance(value, Mapping) else value if isinstance(value, (list, tuple))
                     else [value]):
            if isinstance(item, np.ndarray) and item.dtype.kind in "fiucb":
                found.append(item)
    return found


def _same(a: Any, b: Any) -> bool:
    """Equal results: arrays bit for bit (NaN equal to NaN), records field by field."""
    if isinstance(a, autograd.Variable):
        return isinstance(b, autograd.Variable) and _same(a.data, b.data)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    return a == b


def check(entry: Entry, case: Case) -> str | None:
    """What is wrong with ``entry`` given ``case``, or None if it follows the policy."""
    args = {**entry.good(), **case.overrides}
    before = [(a, a.copy()) for a in _arrays_in(args)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (0/0, overflow), no ComplexWarning
        try:
            got = entry.call(**args)
        except Exception as error:  # noqa: BLE001 - every exception is judged below
            raised = error
        else:
            raised = None
        if case.error is None:
            if raised is not None:
                return f"accepted input refused: {type(raised).__name__}: {raised}"
            if case.same_as is not None and not _same(got, entry.call(**{**entry.good(), **case.same_as})):
                return f"converted input gives another result than {list(case.same_as)} as float arrays"
            return None
    if raised is None:
        return "no error"
    message = str(raised)
    if type(raised) is not case.error:  # exactly: never a NumPy-internal subclass or another type
        return f"{type(raised).__name__} instead of {case.error.__name__}: {message}"
    if case.error is KeyError:
        unknown = [v for v in case.overrides.values() if isinstance(v, str)]
        if (case.name is not None and case.name not in message) or not all(v in message for v in unknown):
            return f"KeyError that does not name {case.name or unknown}: {message}"
    else:
        match = SENTENCE.match(message)
        if not match:
            return f"not one of the policy's two sentences: {message!r}"
        if match["name"] != case.name and f"(set by {case.name})" not in message:
            return f"the message does not name {case.name!r}: {message!r}"
    for array, copy in before:
        if array.dtype != copy.dtype or array.tobytes() != copy.tobytes():
            return "a refused call changed an array it was given"
    return None


@pytest.mark.parametrize("qualname", sorted(POLICY))
def test_bad_input_is_refused_by_the_policy(qualname: str) -> None:
    """Every case of one function: refused as the policy says (or, for good conversions, accepted)."""
    failures = [f"{'/'.join(case.overrides)} {case.label}: {problem}"
                for case in CASES[qualname] if (problem := check(POLICY[qualname], case)) is not None]
    assert not failures, "\n".join(failures)


# --- the cases of the issue, by name -------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: backprop.mse_nq(np.array([[1 + 1j]]), np.array([[1.0]])), TypeError,
         "y_pred must be real numbers, got an array of dtype complex128"),
        (lambda: gradients.linear_gradient(np.ones((2, 1)), np.ones((3, 2)) * (1 + 1j), np.ones((3, 1))), TypeError,
         "X must be real numbers, got an array of dtype complex128"),
        (lambda: backprop.mse_nq(np.ones((0, 1)), np.ones((0, 1))), ValueError,
         "y_pred has shape (0, 1) but (n, q) was expected with n >= 1 (an empty array)"),
        (lambda: gradients.mse_n(np.ones((0, 1)), np.ones((0, 1))), ValueError, "Y has shape (0, 1)"),
        (lambda: gradients.add_bias([]), ValueError, "X has shape (0,) but (n, p) was expected"),
        (lambda: backprop.forward([[1.0]], [[1.0]], [[1.0]]).z, None, None),
        (lambda: autograd.mean(np.ones(0)), ValueError, "x has shape (0,) but an array with at least one entry"),
        (lambda: trainer.Trainer(nn.Linear(1, 1, weight=np.ones((1, 1))), autograd.mean_squared_error,
                                 optim.SGD(nn.Linear(1, 1, weight=np.ones((1, 1))).parameters())).fit(
            np.ones((0, 1)), np.ones((0, 1)), 1), ValueError, "X has shape (0, 1) but (n, p) was expected with n >= 1"),
        (lambda: backprop.sgd_update(np.ones(2), np.ones(2), float("nan")), ValueError,
         "lr must be a finite number > 0, got nan"),
        (lambda: backprop.sgd_update(np.ones(2), np.ones(2), -0.1), ValueError, "lr must be a finite number > 0, got -0.1"),
        (lambda: nn.Linear(0, 2, rng=np.random.default_rng(0)), ValueError, "in_size must be an integer >= 1, got 0"),
        (lambda: nn.Linear(3, 2, rng=0), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: network.Network.init([3, 2], rng=0), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: layers.Dense(2.0, 3, rng=np.random.default_rng(0)), TypeError,
         "in_size must be an integer, got float 2.0"),
        (lambda: gradcheck.directional_check(lambda t: 0.0, lambda t: t, np.ones(2), np.random.default_rng(0),
                                             directions=0), ValueError, "directions must be an integer >= 1, got 0"),
        (lambda: gradcheck.numerical_gradient(lambda: 0.0, {"w": np.ones(2)}, h=0.0), ValueError,
         "h must be a finite number > 0, got 0.0"),
    ],
)
def test_the_cases_of_the_issue_give_clear_errors(call, error, message) -> None:
    if error is None:  # the conversion that replaced "AttributeError: 'list' object has no attribute 'ndim'"
        assert call().tolist() == [[1.0]]
        return
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error and str(info.value).startswith(message), str(info.value)


# --- nothing half-done: every updater checks every array before it writes one ---

#: What is wrong with the second array, while the first is fine.
DEFECTS = ["read-only", "int", "float-list", "grad shape", "grad complex"]
#: Shapes of the two weight matrices, drawn once from a seeded generator (1 to 4 rows and columns).
SHAPES = [tuple(tuple(int(k) for k in pair) for pair in np.random.default_rng(seed).integers(1, 5, (2, 2)))
          for seed in range(4)]


def _weights(shapes: tuple, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-2, 2, shapes[0]), rng.uniform(-2, 2, shapes[1])


def _spoil(W: np.ndarray, grad: np.ndarray, defect: str) -> tuple[Any, Any]:
    """``W`` and its gradient with one defect."""
    if defect == "read-only":
        W = W.copy()
        W.flags.writeable = False
    elif defect == "int":
        W = np.round(W).astype(np.int64)
    elif defect == "float-list":
        W = W.tolist()
    elif defect == "grad shape":
        grad = np.concatenate([grad, grad[:1]])
    elif defect == "grad complex":
        grad = grad + 1j
    return W, grad


def _unchanged(kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> bool:
    """Each (array, its copy, the object seen afterwards): same object, same bits."""
    return all(now is array and np.array_equal(array, copy) and array.tobytes() == copy.tobytes()
               for array, copy, now in kept)


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("defect", DEFECTS)
def test_sgd_update_changes_nothing_when_refused(shapes, defect) -> None:
    _, W2 = _weights(shapes)
    W, grad = _spoil(W2, np.ones_like(W2), defect)
    before = np.array(W, copy=True)
    with pytest.raises((TypeError, ValueError)):
        backprop.sgd_update(W, grad, 0.5)
    assert np.array_equal(np.asarray(W), before)


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("defect", [*DEFECTS, "lr nan"])
def test_sgd_step_changes_no_parameter_when_one_is_wrong(shapes, defect) -> None:
    """The first parameter is fine; the second is wrong: the first must not have moved."""
    W1, W2 = _weights(shapes)
    v1, v2 = autograd.Variable(W1), autograd.Variable(W2.copy())
    v1.grad, v2.grad = np.ones_like(W1), np.ones_like(W2)
    optimizer = optim.SGD([v1, v2], lr=0.5)
    if defect == "lr nan":
        optimizer.lr = float("nan")
    else:
        v2.data, v2.grad = _spoil(v2.data, v2.grad, defect)
    kept = W1.copy()
    with pytest.raises((TypeError, ValueError)):
        optimizer.step()
    assert _unchanged([(W1, kept, v1.data)])


@pytest.mark.parametrize("n, p, d, q", [(1, 1, 1, 1), (5, 4, 3, 2), (3, 2, 4, 1)])
@pytest.mark.parametrize("defect", ["W2 read-only", "W2 int", "W2 a list", "W2 shape", "Y shape", "lr inf",
                                    "epochs -1"])
def test_train_by_hand_changes_nothing_when_refused(n, p, d, q, defect) -> None:
    rng = np.random.default_rng(n * 100 + p * 10 + d)
    X, Y, W1, W2 = (rng.standard_normal(s) for s in ((n, p), (n, q), (p, d), (d, q)))
    W2_before = W2.copy()
    kwargs: dict[str, Any] = {"lr": 0.01, "epochs": 3}
    if defect == "W2 read-only":
        W2.flags.writeable = False
    elif defect == "W2 int":
        W2 = np.round(W2).astype(np.int64)
    elif defect == "W2 a list":
        W2 = W2.tolist()
    elif defect == "W2 shape":
        W2 = np.concatenate([W2, W2[:1]])
    elif defect == "Y shape":
        Y = Y[:, :0] if q > 1 else np.concatenate([Y, Y], axis=1)
    elif defect == "lr inf":
        kwargs["lr"] = float("inf")
    else:
        kwargs["epochs"] = -1
    kept = W1.copy()
    with pytest.raises((TypeError, ValueError)):
        backprop.train_by_hand(X, Y, W1, W2, **kwargs)
    assert np.array_equal(W1, kept) and W1.tobytes() == kept.tobytes()
    if isinstance(W2, np.ndarray) and W2.dtype == np.float64 and W2.shape == W2_before.shape:
        assert np.array_equal(W2, W2_before)


@pytest.mark.parametrize("defect", ["read-only", "int data", "grad shape"])
def test_trainer_fit_refuses_before_the_first_update(defect) -> None:
    W1, W2 = np.ones((3, 2)), np.ones((2, 1))
    model = nn.Sequential(nn.Linear(3, 2, weight=W1), nn.ReLU(), nn.Linear(2, 1, weight=W2))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    if defect == "read-only":
        W2.flags.writeable = False
    elif defect == "int data":
        model[2].W.data = np.ones((2, 1), dtype=np.int64)
    kept = W1.copy()
    fit = trainer.Trainer(model, autograd.mean_squared_error, optimizer)
    if defect == "grad shape":  # a loss function that hands the second layer a gradient of the wrong shape
        def bad_loss(y_pred, y):
            loss = autograd.mean_squared_error(y_pred, y)
            original = loss.backward

            def backward(grad=None):
                original(grad)
                model[2].W.grad = np.ones(3)
            loss.backward = backward
            return loss
        fit = trainer.Trainer(model, bad_loss, optimizer)
    with pytest.raises((TypeError, ValueError)):
        fit.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=2)
    assert model[0].W.data is W1 and np.array_equal(W1, kept)


def test_parameters_assignment_changes_nothing_when_refused() -> None:
    p = params.Parameters({"W1": np.ones((2, 2)), "b1": np.zeros(2)})
    arrays_before = {k: (v, v.copy()) for k, v in p.items()}
    for name, value in (("W1", np.ones((2, 3))), ("W1", np.ones((2, 2)) * 1j), ("b1", [True, False]),
                        ("b1", np.array(["a", "b"])), ("W1", [[1.0], [1.0, 2.0]])):
        with pytest.raises((TypeError, ValueError)):
            p[name] = value
    p["b1"].flags.writeable = False
    with pytest.raises(ValueError, match="parameter 'b1' must be a writable array"):
        p["b1"] = np.ones(2)
    for k, (array, copy) in arrays_before.items():
        assert p[k] is array and np.array_equal(array, copy)


def test_gradient_checker_perturbs_nothing_when_a_later_block_is_wrong() -> None:
    good, calls = np.array([1.0, 2.0]), []

    def loss():
        calls.append(1)
        return float(good @ good)

    read_only = np.ones(2)
    read_only.flags.writeable = False
    for bad in (np.ones(2, np.float32), read_only, np.ones(0), [1.0, 2.0]):
        with pytest.raises((TypeError, ValueError)):
            gradcheck.numerical_gradient(loss, {"good": good, "bad": bad})
        with pytest.raises((TypeError, ValueError)):
            gradcheck.check_gradient(loss, {"good": good, "bad": bad}, {"good": 2 * good, "bad": np.ones(2)})
    assert calls == [] and good.tolist() == [1.0, 2.0]


def test_layers_keep_their_state_when_refused() -> None:
    net_ = _network()
    X, Y = R(4, 3), R(4, 1, seed=1)
    net_.gradient(X, Y)
    state = [(layer.X.copy(), layer.Z.copy(), layer.grad_W.copy(), layer.grad_b.copy()) for layer in net_.layers]
    other = R(4, 3, seed=5)  # a forward pass on it would change what the layers store
    for bad_X, bad_Y in ((other + 1j, Y), (other, Y[:3]), (other[:, :2], Y), (other, Y.astype(object)), ([], Y),
                         (other, np.concatenate([Y, Y], axis=1))):
        with pytest.raises((TypeError, ValueError)):
            net_.gradient(bad_X, bad_Y)
    for layer, (X0, Z0, dW0, db0) in zip(net_.layers, state):
        assert all(np.array_equal(a, b) for a, b in ((layer.X, X0), (layer.Z, Z0), (layer.grad_W, dW0), (layer.grad_b, db0)))
