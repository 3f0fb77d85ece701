"""Exercises for every chapter, each with a checker that says what is wrong in your terms.

Call `check` with the exercise's id and your answer, from your own code:

    >>> from labcode.exercises import check
    >>> print(check("1.2", lambda G: G.sum(axis=0)))
    correct

An answer is usually a function, which the checker calls on arrays of its own
(shapes chosen so that a transposed result cannot pass, values drawn from a
fixed seed), sometimes a number, a shape or a set of letters; each exercise's
``expects`` says which. The verdict is ``correct`` or a sentence that names
what is wrong: which block or entry, a factor ``n`` or 2, a transpose, a sign,
φ where φ′ belongs, an argument changed in place. Gradients are judged by
`labcode.gradcheck.check_gradient` (central differences, block by block) and
the diagnosis compares your answer with the typical mistakes of that exercise;
everything else is compared exactly or to round-off.

Exercise ids are ``"<chapter>.<k>"``: exercise k of chapter 1 to 13.
`data` returns the arrays an exercise asks you to work on, where it has any.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from labcode.gradcheck import check_gradient, numerical_gradient

__all__ = ["Verdict", "Exercise", "EXERCISES", "check", "data"]


@dataclass(frozen=True)
class Verdict:
    """What `check` says about an answer: ``ok`` and a ``message`` (``"correct"``, or what is wrong in the exercise's terms).

    Prints as its message; true in an ``if`` exactly when the answer is correct.
    """

    ok: bool
    message: str

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Exercise:
    """One exercise: its ``id`` (``"6.2"``), the chapter's ``page``, a short ``title``, and what kind of answer `check` ``expects``."""

    id: str
    page: str
    title: str
    expects: str
    checker: Callable[[object], Verdict]


#: Every exercise by id, in the reading order of the book.
EXERCISES: dict[str, Exercise] = {}

_DATA: dict[str, Callable[[], dict[str, np.ndarray]]] = {}

CORRECT = Verdict(True, "correct")


def _exercise(id: str, page: str, title: str, expects: str) -> Callable:
    def register(checker: Callable[[object], Verdict]) -> Callable[[object], Verdict]:
        EXERCISES[id] = Exercise(id, page, title, expects, checker)
        return checker

    return register


def check(exercise_id: str, answer: object) -> Verdict:
    """Check your answer to the exercise ``exercise_id`` (``"6.2"``, see `EXERCISES`): a `Verdict`, ``correct`` or what is wrong.

    ``answer`` is a function, a number, a shape or a set, as the exercise's
    ``expects`` says. A function is called on the checker's own arrays, which it
    must not modify. An unknown id raises `ValueError` listing the ids.
    """
    exercise = EXERCISES.get(exercise_id) if isinstance(exercise_id, str) else None
    if exercise is None:
        raise ValueError(f"unknown exercise {exercise_id!r}; the exercises are {', '.join(EXERCISES)}")
    return exercise.checker(answer)


def data(exercise_id: str) -> dict[str, np.ndarray]:
    """Fresh copies of the arrays an exercise asks you to work on (``data("5.2")``), by name; `ValueError` for an exercise with none."""
    if exercise_id not in _DATA:
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id!r} has no data: its checker calls your function on arrays of its own")
        raise ValueError(f"unknown exercise {exercise_id!r}; the exercises with data are {', '.join(_DATA)}")
    return _DATA[exercise_id]()


# --- helpers shared by the checkers ------------------------------------------------


def _wrong(message: str) -> Verdict:
    return Verdict(False, message)


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _call(answer: object, expects: str, **args: object) -> tuple[object, Verdict | None]:
    """Call the reader's function on copies-checked arguments: (result, None) or (None, verdict)."""
    if not callable(answer):
        return None, _wrong(f"this exercise expects {expects}; got {type(answer).__name__}")
    kept = {name: value.copy() for name, value in args.items() if isinstance(value, np.ndarray)}
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = answer(*args.values())
    except Exception as error:  # the reader's code: report, never propagate
        return None, _wrong(f"your function raised {type(error).__name__}: {error}")
    for name, before in kept.items():
        if not np.array_equal(before, args[name], equal_nan=True):
            return None, _wrong(
                f"your function changed its argument {name} in place: a second name for an array "
                f"(`b = a`) or a slice is not a copy, so writing into it writes into {name}; "
                "make a new array instead (`a * mask`, or `a.copy()` first)"
            )
    return result, None


def _array(result: object, what: str) -> tuple[np.ndarray | None, Verdict | None]:
    try:
        array = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None, _wrong(f"{what} should be an array of numbers; got {type(result).__name__}")
    return array, None


def _shape_verdict(array: np.ndarray, expected: tuple, what: str, dims: str, transposed: str = "") -> Verdict | None:
    if array.shape == expected:
        return None
    if array.ndim == 2 and array.shape == expected[::-1]:
        extra = f"; that is {transposed}" if transposed else ""
        return _wrong(f"transposed: {what} has shape {dims} = {_shape(expected)}, yours is {_shape(array.shape)}{extra}")
    return _wrong(f"{what} has shape {dims} = {_shape(expected)}, yours is {_shape(array.shape)}")


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-7) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * scale))


def _factor(array: np.ndarray, truth: np.ndarray, names: Mapping[float, str]) -> str | None:
    """If ``array`` is ``c`` times ``truth`` on every entry, the message ``names[c]`` (or a generic one)."""
    mask = np.abs(truth) > 1e-9 * np.max(np.abs(truth), initial=0.0)
    if not mask.any():
        return None
    ratios = array[mask] / truth[mask]
    c = float(np.median(ratios))
    if c == 0 or abs(c - 1) < 1e-5 or not np.allclose(ratios, c, rtol=1e-5, atol=0):
        return None
    for value, message in names.items():
        if abs(c - value) <= 1e-5 * abs(value):
            return message
    return f"off by a constant factor: yours is {c:.4g} times the right answer on every entry"


def _factors(n: int, what: str, extra: Mapping[float, str] | None = None) -> dict[float, str]:
    names = {
        float(n): f"{what} is n = {n} times too large on every entry: the 1/n of the mean is missing",
        1.0 / n: f"{what} is n = {n} times too small on every entry: you divided by n twice",
        -1.0: f"{what} has the wrong sign on every entry",
    }
    names.update(extra or {})
    return names


def _judge_gradient(
    name: str,
    result: object,
    params: dict[str, np.ndarray],
    loss: Callable[[], float],
    *,
    what: str,
    dims: str,
    mutants: Mapping[str, np.ndarray] | None = None,
    factors: Mapping[float, str] | None = None,
    transposed: str = "",
) -> Verdict:
    """``correct`` if block ``name`` passes the block-wise check; otherwise a verdict that says why not."""
    array, bad = _array(result, what)
    if bad is not None:
        return bad
    bad = _shape_verdict(array, params[name].shape, what, dims, transposed)
    if bad is not None:
        return bad
    if not np.all(np.isfinite(array)):
        return _wrong(f"{what} has entries that are nan or inf")
    report = check_gradient(loss, params, {name: array}, tol=1e-6)
    if report.ok:
        return CORRECT
    for message, mutant in (mutants or {}).items():
        if _close(array, mutant):
            return _wrong(message)
    numeric = numerical_gradient(loss, params)[name]
    message = _factor(array, numeric, factors or {})
    if message:
        return _wrong(message)
    index, a, b, _ = report.blocks[name].worst[0]
    wrong = int(np.sum(~np.isclose(array, numeric, rtol=1e-5, atol=1e-8)))
    return _wrong(
        f"{what} disagrees with finite differences in {wrong} of its {array.size} entries; "
        f"the worst is entry {list(index)}: yours {a:.6g}, finite differences {b:.6g}"
    )


def _number(answer: object, what: str) -> tuple[float | None, Verdict | None]:
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return None, _wrong(f"this exercise expects {what}; got {type(answer).__name__}")
    return float(answer), None


def _matches(value: float, truth: float, rtol: float = 1e-9) -> bool:
    return abs(value - truth) <= rtol * max(abs(truth), 1e-300)


def _sigmoid_prime(z: np.ndarray) -> np.ndarray:
    s = expit(z)
    return s * (1.0 - s)


# --- 1. Matrix primer -----------------------------------------------------------------


@_exercise("1.1", "matrix-primer.md", "A sum of outer products",
           "a function sum_of_outer_products(X, G) returning the sum over samples of x_i g_i^T, shape (p, q)")
def _check_1_1(answer: object) -> Verdict:
    rng = np.random.default_rng(11)
    n, p, q = 7, 3, 2
    X, G = rng.standard_normal((n, p)), rng.standard_normal((n, q))
    truth = sum(np.outer(X[i], G[i]) for i in range(n))
    result, bad = _call(answer, EXERCISES["1.1"].expects, X=X, G=G)
    if bad is not None:
        return bad
    array, bad = _array(result, "the sum of outer products")
    if bad is not None:
        return bad
    bad = _shape_verdict(array, (p, q), "the sum of outer products x_i g_i^T", "(p, q)", "G^T X")
    if bad is not None:
        return bad
    if _close(array, truth, 1e-10):
        return CORRECT
    if _close(array, truth / n, 1e-10):
        return _wrong(f"that is the mean of the outer products, the sum divided by n = {n}")
    if _close(array, np.outer(X[0], G[0]), 1e-10):
        return _wrong("that is the outer product of the first sample only; the sum runs over all n rows")
    return _wrong("the shape is right but the entries are not the sum of x_i g_i^T over the rows of X and G")


@_exercise("1.2", "matrix-primer.md", "The gradient of a broadcast bias",
           "a function bias_gradient(G) returning dL/db, shape (q,), from G = dL/dZ of shape (n, q)")
def _check_1_2(answer: object) -> Verdict:
    rng = np.random.default_rng(12)
    n, p, q = 7, 3, 2
    X, W, b = rng.standard_normal((n, p)), rng.standard_normal((p, q)), rng.standard_normal(q)
    G = rng.standard_normal((n, q))  # L = sum(G * Z), so dL/dZ = G

    def loss() -> float:
        return float(np.sum(G * (X @ W + b)))

    result, bad = _call(answer, EXERCISES["1.2"].expects, G=G)
    if bad is not None:
        return bad
    array, bad = _array(result, "dL/db")
    if bad is not None:
        return bad
    if array.shape == (n,):
        return _wrong(f"shape ({n},): you summed over the columns (axis=1); b is added to every row, "
                      "so sum over the rows (axis=0)")
    if array.shape == (1, q):
        return _wrong(f"shape (1, {q}): keepdims; the gradient has the shape of b, ({q},)")
    if array.shape == (n, q):
        return _wrong(f"shape ({n}, {q}) is that of Z: the n rows' gradients must be summed into one vector of shape ({q},)")
    return _judge_gradient("b", array, {"b": b}, loss, what="dL/db", dims="(q,)", factors={
        1.0 / n: f"a mean over the rows, off by a factor n = {n}: each of the n rows adds its share to b, so sum them",
        -1.0: "dL/db has the wrong sign",
    })


# --- 2. Forward pass --------------------------------------------------------------------


@_exercise("2.1", "forward-pass.md", "The shapes of a dense layer",
           "a tuple of three shapes (W, b, output) for 1000 inputs, 100 outputs and 64 samples as rows")
def _check_2_1(answer: object) -> Verdict:
    truth = ((1000, 100), (100,), (64, 100))
    try:
        shapes = tuple(tuple(int(s) for s in shape) for shape in answer)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return _wrong("the answer should be three shapes, such as ((1, 2), (2,), (3, 2)): W, b, the output")
    if len(shapes) != 3:
        return _wrong(f"the answer should be three shapes (W, b, output); got {len(shapes)}")
    W, b, Z = shapes
    if W != truth[0]:
        return _wrong("W: " + ("transposed; W is (inputs, outputs) = (1000, 100), row i holds the weights from input i"
                               if W == truth[0][::-1] else f"W is (inputs, outputs) = (1000, 100), not {_shape(W)}"))
    if b != truth[1]:
        return _wrong(f"b: one number per output, a vector of shape (100,) that broadcasts over the 64 rows, not {_shape(b)}")
    if Z != truth[2]:
        return _wrong("output: " + ("transposed; samples are rows, so the output is (samples, outputs) = (64, 100)"
                                    if Z == truth[2][::-1] else f"the output is (64, 100), not {_shape(Z)}"))
    return CORRECT


@_exercise("2.2", "forward-pass.md", "The column convention",
           "a function forward_columns(W, X, B) returning Z = W^T X + B for samples as columns, shape (q, n)")
def _check_2_2(answer: object) -> Verdict:
    rng = np.random.default_rng(22)
    p, q, n = 3, 2, 5
    W, X, B = rng.standard_normal((p, q)), rng.standard_normal((p, n)), rng.standard_normal((q, 1))
    result, bad = _call(answer, EXERCISES["2.2"].expects, W=W, X=X, B=B)
    if bad is not None:
        if "raised" in bad.message and "matmul" in bad.message:
            return _wrong(bad.message + f"; W is (p, q) = {W.shape} and X is (p, n) = {X.shape}: "
                          "it is W^T that can multiply X")
        return bad
    array, bad = _array(result, "Z")
    if bad is not None:
        return bad
    truth = W.T @ X + B
    if array.shape == (n, q):
        return _wrong(f"shape ({n}, {q}) is the row convention's: with samples as columns Z is (q, n) = ({q}, {n})")
    bad = _shape_verdict(array, (q, n), "Z", "(q, n)")
    if bad is not None:
        return bad
    if _close(array, truth, 1e-12):
        return CORRECT
    if _close(array, W.T @ X, 1e-12):
        return _wrong("the bias B is missing")
    if _close(array, W.T @ X - B, 1e-12):
        return _wrong("B is subtracted, not added")
    return _wrong("the shape is right but the values are not W^T X + B")


# --- 3. Chain rule --------------------------------------------------------------------


@_exercise("3.1", "chain-rule.md", "A chain of four units",
           "a number: df/dx at x = 0 for f(x) = 1 / (1 + exp(3x))")
def _check_3_1(answer: object) -> Verdict:
    value, bad = _number(answer, EXERCISES["3.1"].expects)
    if bad is not None:
        return bad
    # A = 3x, B = exp(A), C = 1 + B, D = 1/C; at x = 0: C = 2.
    known = {
        -0.75: None,
        -0.25: "you left out the first unit's factor: dA/dx = 3",
        0.75: "wrong sign: d(1/C)/dC = -1/C^2 is negative",
        -1.5: "you used -1/C for d(1/C)/dC; it is -1/C^2",
        0.5: "that is f(0), the forward value, not the derivative",
    }
    for truth, message in known.items():
        if _matches(value, truth):
            return CORRECT if message is None else _wrong(message)
    return _wrong("not df/dx at 0: multiply the four local derivatives 3, exp(A), 1 and -1/C^2 at A = 0, C = 2")


@_exercise("3.2", "chain-rule.md", "A value used three times",
           "a number: df/dx at x = 3 for f(x) = x * x + x")
def _check_3_2(answer: object) -> Verdict:
    value, bad = _number(answer, EXERCISES["3.2"].expects)
    if bad is not None:
        return bad
    known = {
        7.0: None,
        6.0: "you missed the path through '+ x', which adds 1",
        4.0: "the product x * x reaches x by two paths, each bringing the other factor x = 3: together 2x",
        1.0: "only the last gradient to arrive survived: where a value fans out, the gradients of its paths add up",
        12.0: "that is f(3), the forward value, not the derivative",
    }
    for truth, message in known.items():
        if _matches(value, truth):
            return CORRECT if message is None else _wrong(message)
    return _wrong("not df/dx at 3: add the gradients of the three paths from f to x")


@_exercise("3.3", "chain-rule.md", "A unit of your own",
           "a class (or object) with forward(x) and backward(grad_out) for y = x**2")
def _check_3_3(answer: object) -> Verdict:
    rng = np.random.default_rng(33)
    x = rng.standard_normal(5) + 0.5
    grad_out = rng.standard_normal(5)
    try:
        unit = answer() if isinstance(answer, type) else answer
        y = np.asarray(unit.forward(x.copy()), dtype=np.float64)
        g = np.asarray(unit.backward(grad_out.copy()), dtype=np.float64)
    except Exception as error:
        return _wrong(f"your unit raised {type(error).__name__}: {error}")
    if not _close(y, x**2, 1e-12):
        return _wrong("forward(x) should return x**2, entry by entry")
    if g.shape != x.shape:
        return _wrong(f"backward returned shape {_shape(g.shape)}; it has the shape of the input, {_shape(x.shape)}")
    if _close(g, 2 * x * grad_out, 1e-12):
        return CORRECT
    if _close(g, 2 * x, 1e-12):
        return _wrong("backward ignores grad_out: the downstream gradient is grad_out times the local derivative 2x")
    if _close(g, 2 * y * grad_out, 1e-12) or _close(g, 2 * y, 1e-12):
        return _wrong("backward uses the stored output y = x**2 where the input x belongs: the derivative is 2x")
    if _close(g, -2 * x * grad_out, 1e-12):
        return _wrong("backward has the wrong sign")
    return _wrong("backward(grad_out) should return grad_out * 2x at the input of the last forward")


# --- 4. The sigmoid -------------------------------------------------------------------


@_exercise("4.1", "sigmoid.md", "The derivative from the output",
           "a function sigmoid_prime_from_output(s) returning sigma'(x) given s = sigma(x)")
def _check_4_1(answer: object) -> Verdict:
    rng = np.random.default_rng(41)
    s = expit(rng.standard_normal(6) * 3)
    result, bad = _call(answer, EXERCISES["4.1"].expects, s=s)
    if bad is not None:
        return bad
    array, bad = _array(result, "sigma'")
    if bad is not None:
        return bad
    if array.shape != s.shape:
        return _wrong(f"the result has shape {_shape(array.shape)}; sigma' has the shape of s, {_shape(s.shape)}")
    truth = s * (1 - s)
    if _close(array, truth, 1e-12):
        return CORRECT
    known = {
        "you applied the sigmoid's derivative to s; the argument is already s = sigma(x), so the answer is s (1 - s)":
            _sigmoid_prime(s),
        "the factor s is missing: sigma' = s (1 - s)": 1 - s,
        "wrong sign: sigma' = s (1 - s) is positive": -truth,
        "that is s (1 + s); the derivative is s (1 - s)": s * (1 + s),
    }
    for message, mutant in known.items():
        if _close(array, mutant, 1e-12):
            return _wrong(message)
    return _wrong("not s (1 - s) entry by entry")


@_exercise("4.2", "sigmoid.md", "Full precision in a backward step",
           "a number: dD/dC at x = 2 in the graph A = -x, B = exp(A), C = 1 + B, D = 1/C")
def _check_4_2(answer: object) -> Verdict:
    value, bad = _number(answer, EXERCISES["4.2"].expects)
    if bad is not None:
        return bad
    C = 1 + np.exp(-2.0)
    truth = -1 / C**2
    if _matches(value, truth, 1e-12):
        return CORRECT
    if _matches(value, -truth, 1e-9):
        return _wrong("wrong sign: d(1/C)/dC = -1/C^2 is negative")
    if _matches(value, -1 / C, 1e-9):
        return _wrong("that is -1/C; d(1/C)/dC = -1/C^2")
    for digits in (1, 2, 3, 4):
        if _matches(value, -1 / round(C, digits) ** 2, 1e-9):
            return _wrong(f"that is what C rounded to {round(C, digits)} gives; carry C at full precision")
    relative = abs(value - truth) / abs(truth)
    if relative < 1e-2:
        return _wrong(f"close but not exact (relative error {relative:.1e}): was an intermediate value rounded?")
    return _wrong("not dD/dC = -1/C^2 with C = 1 + exp(-2)")


@_exercise("4.3", "sigmoid.md", "A sigmoid that never overflows",
           "a function stable_sigmoid(x) of an array, exact to round-off and silent at x = -1000 and 1000")
def _check_4_3(answer: object) -> Verdict:
    x = np.array([-1000.0, -745.0, -40.0, -1.0, 0.0, 0.5, 40.0, 745.0, 1000.0])
    if not callable(answer):
        return _wrong(f"this exercise expects {EXERCISES['4.3'].expects}; got {type(answer).__name__}")
    try:
        with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            warnings.simplefilter("error")
            result = answer(x.copy())
    except RuntimeWarning as warning:
        return _wrong(f"numpy warned: {warning}; exp of a large positive number overflows. Take exp only of "
                      "-|x|, which is never large (np.where alone does not help: it evaluates both of its branches)")
    except Exception as error:
        return _wrong(f"your function raised {type(error).__name__}: {error}")
    array, bad = _array(result, "the sigmoid")
    if bad is not None:
        return bad
    if array.shape != x.shape:
        return _wrong(f"the result has shape {_shape(array.shape)}; it should have the shape of x, {_shape(x.shape)}")
    truth = expit(x)
    for i in range(x.size):
        if not np.isfinite(array[i]):
            return _wrong(f"at x = {x[i]:g} the result is {array[i]}")
        if abs(array[i] - truth[i]) > 1e-12 * truth[i] + 1e-300:
            return _wrong(f"at x = {x[i]:g} the result is {array[i]:.17g}; sigma({x[i]:g}) = {truth[i]:.17g}")
    return CORRECT


# --- 5. Linear regression -----------------------------------------------------------


@_exercise("5.1", "linear-regression.md", "The gradient of the mean squared error",
           "a function linear_gradient(beta, X, Y) returning dL/dbeta for L = ||Y - X beta||^2 / n, shape (p, q)")
def _check_5_1(answer: object) -> Verdict:
    rng = np.random.default_rng(51)
    n, p, q = 7, 3, 2
    X, Y, beta = rng.standard_normal((n, p)), rng.standard_normal((n, q)), rng.standard_normal((p, q))

    def loss() -> float:
        E = Y - X @ beta
        return float(np.sum(E * E) / n)

    result, bad = _call(answer, EXERCISES["5.1"].expects, beta=beta, X=X, Y=Y)
    if bad is not None:
        return bad
    return _judge_gradient(
        "beta", result, {"beta": beta}, loss, what="dL/dbeta", dims="(p, q)", transposed="(Y - X beta)^T X",
        factors=_factors(n, "dL/dbeta", {
            0.5: "dL/dbeta is half the right size on every entry: the derivative of E^2 is 2E, so a factor 2 is missing",
            -1.0: "dL/dbeta has the wrong sign on every entry: E = Y - X beta, so dE/dbeta brings a minus",
        }),
    )


def _data_5_2() -> dict[str, np.ndarray]:
    """X (50, 3) whose Hessian 2 X^T X / n has eigenvalues exactly-ish 4, 2 and 1; Y (50, 2)."""
    rng = np.random.default_rng(52)
    n = 50
    U, _ = np.linalg.qr(rng.standard_normal((n, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    X = U @ np.diag(np.sqrt(n * np.array([4.0, 2.0, 1.0]) / 2)) @ V.T
    return {"X": X, "Y": rng.standard_normal((n, 2))}


_DATA["5.2"] = _data_5_2


@_exercise("5.2", "linear-regression.md", "A step size that converges",
           "a number: a learning rate for which 100 steps of gradient descent from beta = 0 reach the minimum")
def _check_5_2(answer: object) -> Verdict:
    lr, bad = _number(answer, EXERCISES["5.2"].expects)
    if bad is not None:
        return bad
    if not lr > 0:
        return _wrong("a learning rate must be positive")
    arrays = _data_5_2()
    X, Y = arrays["X"], arrays["Y"]
    n = X.shape[0]
    beta_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    lam = np.linalg.eigvalsh(2 * X.T @ X / n)
    best = float(np.sum((Y - X @ beta_star) ** 2) / n)
    beta = np.zeros((X.shape[1], Y.shape[1]))
    with np.errstate(all="ignore"):
        for _ in range(100):
            beta -= lr * (-2 * X.T @ (Y - X @ beta) / n)
        final = float(np.sum((Y - X @ beta) ** 2) / n)
    limit = 2 / lam.max()
    if not np.isfinite(final) or lr >= limit:
        return _wrong(f"diverges: every step overshoots along the steepest direction. The Hessian 2 X^T X / n has "
                      f"largest eigenvalue {lam.max():.3g}, so the step must stay below 2 / {lam.max():.3g} = {limit:.3g}")
    gap = (final - best) / best
    if gap > 1e-9:
        return _wrong(f"converges, but too slowly: after 100 steps the loss is still {gap:.1e} (relative) above its "
                      f"minimum; a step near 1 / {lam.max():.3g} is fastest here")
    return CORRECT


# --- 6. One hidden layer, Hadamard form -------------------------------------------


def _net_problem(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, p, d, q = 7, 3, 4, 2
    return {"beta1": rng.standard_normal((p, d)), "beta2": rng.standard_normal((d, q)),
            "X": rng.standard_normal((n, p)), "Y": rng.standard_normal((n, q))}


def _net_loss(a: Mapping[str, np.ndarray]) -> float:
    E = a["Y"] - expit(a["X"] @ a["beta1"]) @ a["beta2"]
    return float(np.sum(E * E) / a["X"].shape[0])


@_exercise("6.1", "hadamard-gradient.md", "The output block",
           "a function grad_beta2(beta1, beta2, X, Y) returning dL/dbeta2, shape (d, q)")
def _check_6_1(answer: object) -> Verdict:
    a = _net_problem(61)
    n = a["X"].shape[0]
    Z = a["X"] @ a["beta1"]
    E = a["Y"] - expit(Z) @ a["beta2"]
    result, bad = _call(answer, EXERCISES["6.1"].expects, **a)
    if bad is not None:
        return bad
    return _judge_gradient(
        "beta2", result, {"beta2": a["beta2"]}, lambda: _net_loss(a), what="dL/dbeta2", dims="(d, q)",
        transposed="E^T H",
        mutants={"phi is not applied: the output block multiplies the residual by H = phi(X beta1), not by X beta1":
                 -2 * Z.T @ E / n},
        factors=_factors(n, "dL/dbeta2", {0.5: "dL/dbeta2 is half the right size: the factor 2 of d(E^2)/dE is missing"}),
    )


@_exercise("6.2", "hadamard-gradient.md", "The hidden block",
           "a function grad_beta1(beta1, beta2, X, Y) returning dL/dbeta1, shape (p, d)")
def _check_6_2(answer: object) -> Verdict:
    a = _net_problem(62)
    n = a["X"].shape[0]
    X, beta2 = a["X"], a["beta2"]
    Z = X @ a["beta1"]
    H = expit(Z)
    E = a["Y"] - H @ beta2
    result, bad = _call(answer, EXERCISES["6.2"].expects, **a)
    if bad is not None:
        return bad
    return _judge_gradient(
        "beta1", result, {"beta1": a["beta1"]}, lambda: _net_loss(a), what="dL/dbeta1", dims="(p, d)",
        mutants={
            "phi' is not applied: multiply E beta2^T entry by entry by phi'(X beta1)": -2 * X.T @ (E @ beta2.T) / n,
            "phi' is evaluated at H = phi(X beta1); it belongs at the pre-activation X beta1":
                -2 * X.T @ ((E @ beta2.T) * _sigmoid_prime(H)) / n,
            "phi(X beta1) stands where phi'(X beta1) belongs": -2 * X.T @ ((E @ beta2.T) * H) / n,
        },
        factors=_factors(n, "dL/dbeta1", {0.5: "dL/dbeta1 is half the right size: the factor 2 of d(E^2)/dE is missing"}),
    )


@_exercise("6.3", "hadamard-gradient.md", "One flat vector for scipy",
           "a function pack(beta1, beta2) returning beta1 row by row, then beta2 row by row, shape (p*d + d*q,)")
def _check_6_3(answer: object) -> Verdict:
    a = _net_problem(63)
    beta1, beta2 = a["beta1"], a["beta2"]
    result, bad = _call(answer, EXERCISES["6.3"].expects, beta1=beta1, beta2=beta2)
    if bad is not None:
        return bad
    array, bad = _array(result, "the flat vector")
    if bad is not None:
        return bad
    size = beta1.size + beta2.size
    if array.shape != (size,):
        return _wrong(f"the flat vector has shape (p*d + d*q,) = ({size},); yours is {_shape(array.shape)}")
    if np.array_equal(array, np.concatenate([beta1.ravel(), beta2.ravel()])):
        return CORRECT
    if np.array_equal(array, np.concatenate([beta2.ravel(), beta1.ravel()])):
        return _wrong("beta2 comes first; the layout is beta1's p*d entries, then beta2's d*q")
    if np.array_equal(array[: beta1.size], beta1.ravel(order="F")):
        return _wrong("beta1 is laid out column by column (order='F'); row by row is numpy's default, ravel()")
    return _wrong("the vector holds the wrong entries: beta1.ravel() followed by beta2.ravel()")


# --- 7. Gradient checking -------------------------------------------------------------


@_exercise("7.1", "gradient-checking.md", "The step of a central difference",
           "a number h for which the central difference of the sigmoid at x = 1 is within 1e-10 of sigma'(1)")
def _check_7_1(answer: object) -> Verdict:
    h, bad = _number(answer, EXERCISES["7.1"].expects)
    if bad is not None:
        return bad
    if not h > 0:
        return _wrong("the step h must be positive")
    x = 1.0
    error = abs((expit(x + h) - expit(x - h)) / (2 * h) - _sigmoid_prime(np.float64(x)))
    if error < 1e-10:
        return CORRECT
    best = np.finfo(np.float64).eps ** (1 / 3)
    if h < best:
        return _wrong(f"round-off dominates: the error {error:.1e} is about eps/h for h = {h:.1e}; take a larger h "
                      f"(the cube root of eps is {best:.1e})")
    return _wrong(f"truncation dominates: the error {error:.1e} grows like h^2; take a smaller h "
                  f"(the cube root of eps is {best:.1e})")


@_exercise("7.2", "gradient-checking.md", "A central-difference gradient that restores",
           "a function central_gradient(loss, w, h) returning dloss/dw by central differences, with w restored exactly")
def _check_7_2(answer: object) -> Verdict:
    w = np.array([0.1, -0.7, 2.3, 0.3])
    c = np.array([1.5, -2.0, 0.5, 3.0])
    h = 1e-5

    def loss() -> float:
        return float(np.sum(c * np.sin(w)) + np.sum(w * w))

    if not callable(answer):
        return _wrong(f"this exercise expects {EXERCISES['7.2'].expects}; got {type(answer).__name__}")
    original = w.copy()
    try:
        result = answer(loss, w, h)
    except Exception as error:
        w[...] = original
        return _wrong(f"your function raised {type(error).__name__}: {error}")
    changed = np.flatnonzero(w != original)
    if changed.size:
        i = int(changed[0])
        return _wrong(f"w is not restored exactly: w[{i}] is off by {w[i] - original[i]:.1e} afterwards. "
                      "Subtracting h again does not undo adding it in floating point: save the old value, put it back")
    array, bad = _array(result, "the gradient")
    if bad is not None:
        return bad
    if array.shape != w.shape:
        return _wrong(f"the gradient has the shape of w, {_shape(w.shape)}; yours is {_shape(array.shape)}")
    truth = c * np.cos(w) + 2 * w
    if np.allclose(array, truth, rtol=1e-8, atol=1e-10):
        return CORRECT
    if np.all(array == 0):
        return _wrong("your gradient is zero everywhere: the loss reads w itself, so perturb w in place, not a copy")
    forward = np.empty_like(w)
    base = loss()
    for i in range(w.size):
        old = w[i]
        w[i] = old + h
        forward[i] = (loss() - base) / h
        w[i] = old
    if np.allclose(array, forward, rtol=1e-9, atol=1e-12):
        return _wrong("that is the forward difference (f(w + h) - f(w)) / h, error O(h); "
                      "the central one is (f(w + h) - f(w - h)) / (2h)")
    if np.allclose(array, 2 * truth, rtol=1e-6):
        return _wrong("twice the gradient: the central difference divides by 2h, not h")
    return _wrong("the gradient is wrong: move one entry at a time by +h and -h, and restore it before the next")


@_exercise("7.3", "gradient-checking.md", "Relative error",
           "a function rel_error(a, b) returning |a - b| / max(|a|, |b|) entry by entry, 0 where both are 0")
def _check_7_3(answer: object) -> Verdict:
    a = np.array([1.0, 0.0, 2.0, -3.0, 1e-8, 0.5])
    b = np.array([1.0, 0.0, -2.0, -3.3, 2e-8, 0.25])
    result, bad = _call(answer, EXERCISES["7.3"].expects, a=a, b=b)
    if bad is not None:
        return bad
    array, bad = _array(result, "the relative error")
    if bad is not None:
        return bad
    if array.shape != a.shape:
        return _wrong(f"one relative error per entry, shape {_shape(a.shape)}; yours is {_shape(array.shape)}")
    scale = np.maximum(np.abs(a), np.abs(b))
    truth = np.divide(np.abs(a - b), scale, out=np.zeros_like(a), where=scale > 0)
    if np.isnan(array[1]):
        return _wrong("nan where both entries are 0 (0/0): return 0 there")
    if np.allclose(array, truth, rtol=1e-12, atol=0):
        return CORRECT
    with np.errstate(all="ignore"):
        if np.allclose(array, np.abs(a - b), rtol=1e-12):
            return _wrong("that is the absolute error |a - b|; divide by max(|a|, |b|)")
        for name, denominator in (("|a|", np.abs(a)), ("|b|", np.abs(b)), ("|a| + |b|", np.abs(a) + np.abs(b))):
            guess = np.divide(np.abs(a - b), denominator, out=np.zeros_like(a), where=denominator > 0)
            if np.allclose(array, guess, rtol=1e-12, atol=0):
                return _wrong(f"you divided by {name}; the measure divides by max(|a|, |b|), so that "
                              "rel_error(a, b) == rel_error(b, a) and the values lie in [0, 2]")
    return _wrong("not |a - b| / max(|a|, |b|) entry by entry")


# --- 8. Backprop by hand ---------------------------------------------------------------


@_exercise("8.1", "backprop-by-hand.md", "Both gradients of the ReLU network with one hidden layer",
           "a function backprop(X, Y, W1, W2) returning (grad_W1, grad_W2) of the chapter's loss")
def _check_8_1(answer: object) -> Verdict:
    rng = np.random.default_rng(81)
    n, p, d, q = 7, 3, 4, 2
    X, Y = rng.standard_normal((n, p)), rng.standard_normal((n, q))
    W1, W2 = rng.standard_normal((p, d)), rng.standard_normal((d, q))
    z = X @ W1
    h = np.maximum(z, 0)
    G = 2 * (h @ W2 - Y) / (n * q)

    def loss() -> float:
        diff = np.maximum(X @ W1, 0) @ W2 - Y
        return float(np.sum(diff * diff) / diff.size)

    result, bad = _call(answer, EXERCISES["8.1"].expects, X=X, Y=Y, W1=W1, W2=W2)
    if bad is not None:
        return bad
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return _wrong("return two arrays, (grad_W1, grad_W2)")
    names = {"W1": ("grad_W1", "(p, d)"), "W2": ("grad_W2", "(d, q)")}
    mutants = {
        "W1": {"grad_W1: the ReLU mask is not applied; multiply G W2^T by 1[X W1 > 0]": X.T @ (G @ W2.T)},
        "W2": {"grad_W2 uses the pre-activation X W1; it is relu(X W1)^T G": z.T @ G},
    }
    verdicts = {}
    for name, array in zip(("W1", "W2"), result):
        what, dims = names[name]
        factors = _factors(n, what, {
            float(q): f"{what} is q = {q} times too large: the loss is the mean over all n*q entries, "
                      "so G = 2 (Y_hat - Y) / (n q)",
            -1.0: f"{what} has the wrong sign: G = 2 (Y_hat - Y) / (n q), prediction minus target",
        })
        verdicts[name] = _judge_gradient(name, array, {name: {"W1": W1, "W2": W2}[name]}, loss, what=what,
                                         dims=dims, mutants=mutants[name], factors=factors)
    wrong = [v.message for v in verdicts.values() if not v.ok]
    if not wrong:
        return CORRECT
    right = [names[k][0] for k, v in verdicts.items() if v.ok]
    return _wrong("; ".join(wrong) + (f" ({', '.join(right)} is right)" if right else ""))


@_exercise("8.2", "backprop-by-hand.md", "The ReLU step without aliasing",
           "a function relu_backward(grad, pre) returning grad * 1[pre > 0], leaving grad unchanged")
def _check_8_2(answer: object) -> Verdict:
    rng = np.random.default_rng(82)
    grad, pre = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    result, bad = _call(answer, EXERCISES["8.2"].expects, grad=grad, pre=pre)
    if bad is not None:
        return bad
    if result is grad:
        return _wrong("you returned grad itself: the mask 1[pre > 0] must be applied, in a new array")
    array, bad = _array(result, "the gradient")
    if bad is not None:
        return bad
    if array.shape != pre.shape:
        return _wrong(f"the gradient has the shape of pre, {_shape(pre.shape)}; yours is {_shape(array.shape)}")
    if np.array_equal(array, grad * (pre > 0)):
        return CORRECT
    if np.array_equal(array, grad * (pre < 0)):
        return _wrong("the mask is inverted: keep the entries where the unit was on (pre > 0), zero the others")
    if _close(array, grad * pre, 1e-12):
        return _wrong("multiplied by the pre-activation itself; the ReLU's derivative is the mask 1[pre > 0]")
    if np.array_equal(array, grad):
        return _wrong("the mask is not applied: zero the entries where pre <= 0")
    return _wrong("not grad * (pre > 0)")


# --- 9. From numpy to autograd -------------------------------------------------------


@_exercise("9.1", "autograd-steps.md", "Gradients accumulate",
           "a number: x.grad after y = x * x at x = 3 and y.backward() called twice, without clearing")
def _check_9_1(answer: object) -> Verdict:
    value, bad = _number(answer, EXERCISES["9.1"].expects)
    if bad is not None:
        return bad
    from labcode.autograd import Variable

    x = Variable(3.0)
    y = x * x
    y.backward()
    y.backward()
    truth = float(x.grad)
    if _matches(value, truth):
        return CORRECT
    if _matches(value, truth / 2):
        return _wrong("that is the gradient of one backward pass: a leaf adds every new gradient to .grad, "
                      "so the second pass adds another 6 (clear it with cleargrad())")
    if _matches(value, 9.0):
        return _wrong("that is y, the forward value")
    return _wrong("not x.grad: each backward adds dy/dx = 2x to it")


@_exercise("9.2", "autograd-steps.md", "A sigmoid Function for the autograd",
           "a subclass of labcode.autograd.Function with forward(x) and backward(gy) for the sigmoid")
def _check_9_2(answer: object) -> Verdict:
    from labcode.autograd import Function, Variable

    if not (isinstance(answer, type) and issubclass(answer, Function)):
        return _wrong(f"this exercise expects {EXERCISES['9.2'].expects}; got {answer!r}")
    rng = np.random.default_rng(92)
    data_, c = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x = Variable(data_.copy())
    try:
        y = answer()(x)
        (y * c).sum().backward()
    except Exception as error:
        return _wrong(f"your Function raised {type(error).__name__}: {error}")
    s = expit(data_)
    if not _close(y.data, s, 1e-12):
        return _wrong("forward should return 1 / (1 + exp(-x))")
    grad = None if x.grad is None else np.asarray(x.grad, dtype=np.float64)
    if grad is None:
        return _wrong("x got no gradient: backward must return a tuple with one gradient per input, (gx,)")
    truth = c * s * (1 - s)
    if _close(grad, truth, 1e-10):
        return CORRECT
    if _close(grad, s * (1 - s), 1e-10):
        return _wrong("backward ignores gy: return gy times the local derivative")
    if _close(grad, c * _sigmoid_prime(s), 1e-10):
        return _wrong("the derivative is evaluated at the output sigma(x); it is sigma(x) (1 - sigma(x)), "
                      "the output times one minus the output")
    if _close(grad, -truth, 1e-10):
        return _wrong("backward has the wrong sign")
    return _wrong("backward should return (gy * s * (1 - s),) with s = sigmoid(x)")


# --- The softmax chapter -------------------------------------------------------------


def _logits(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, q = 6, 4
    return rng.standard_normal((n, q)) * 2, rng.integers(0, q, size=n)


def _cross_entropy(Z: np.ndarray, labels: np.ndarray) -> float:
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


@_exercise("10.1", "softmax-cross-entropy.md", "A softmax that never overflows",
           "a function my_softmax(Z) returning the softmax of every row of Z (n, q)")
def _check_softmax_1(answer: object) -> Verdict:
    Z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.0], [0.5, -0.5, 2.0], [3.0, 3.0, 3.0]])
    result, bad = _call(answer, EXERCISES["10.1"].expects, Z=Z)
    if bad is not None:
        return bad
    array, bad = _array(result, "the softmax")
    if bad is not None:
        return bad
    if array.shape != Z.shape:
        return _wrong(f"the softmax has the shape of Z, {_shape(Z.shape)}; yours is {_shape(array.shape)}")
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    truth = E / E.sum(axis=1, keepdims=True)
    if np.allclose(array, truth, rtol=1e-12, atol=1e-300):
        return CORRECT
    rows = [i for i in range(Z.shape[0]) if not np.all(np.isfinite(array[i]))]
    if 0 in rows:
        return _wrong(f"rows {rows} give nan: exp(1000) overflows in row 0 (and exp(-1000) underflows to 0/0 in "
                      "row 1); subtract each row's maximum first")
    if rows:
        return _wrong(f"rows {rows} give nan: you subtracted the maximum of the whole matrix, so every row far "
                      "below it underflows to 0/0; subtract each row's own maximum")
    if np.allclose(array.sum(axis=0), 1.0) and not np.allclose(array.sum(axis=1), 1.0):
        return _wrong("the columns sum to 1: normalise each row (sum over axis=1, keepdims=True)")
    return _wrong("not the softmax of each row: exp(z - max) divided by its row's sum")


@_exercise("10.2", "softmax-cross-entropy.md", "The gradient with respect to the logits",
           "a function grad_logits(Z, labels) returning dL/dZ of the mean cross-entropy, shape (n, q)")
def _check_softmax_2(answer: object) -> Verdict:
    Z, labels = _logits(72)
    n, q = Z.shape
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    result, bad = _call(answer, EXERCISES["10.2"].expects, Z=Z, labels=labels)
    if bad is not None:
        return bad
    return _judge_gradient(
        "Z", result, {"Z": Z}, lambda: _cross_entropy(Z, labels), what="dL/dZ", dims="(n, q)",
        mutants={
            "you subtracted the labels as numbers; Y is one-hot, with a single 1 in each row's true column":
                (P - labels[:, None]) / n,
            "that is P / n without the labels: subtract the one-hot Y": P / n,
        },
        factors=_factors(n, "dL/dZ", {-1.0: "dL/dZ has the wrong sign on every entry: it is P - Y, not Y - P"}),
    )


@_exercise("10.3", "softmax-cross-entropy.md", "The classifier's four gradients",
           "a function classifier_backward(params, X, labels) returning a dict of dL/dW1, db1, dW2, db2")
def _check_softmax_3(answer: object) -> Verdict:
    rng = np.random.default_rng(73)
    n, p, d, q = 8, 3, 5, 4
    params = {"W1": rng.standard_normal((p, d)), "b1": rng.standard_normal(d),
              "W2": rng.standard_normal((d, q)), "b2": rng.standard_normal(q)}
    X, labels = rng.standard_normal((n, p)), rng.integers(0, q, size=n)

    def loss() -> float:
        H = np.maximum(X @ params["W1"] + params["b1"], 0)
        return _cross_entropy(H @ params["W2"] + params["b2"], labels)

    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0)
    Z = H @ params["W2"] + params["b2"]
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    G = (E / E.sum(axis=1, keepdims=True) - np.eye(q)[labels]) / n
    if not callable(answer):
        return _wrong(f"this exercise expects {EXERCISES['10.3'].expects}; got {type(answer).__name__}")
    given = {k: v.copy() for k, v in params.items()}
    try:
        with np.errstate(all="ignore"):
            result = answer(given, X.copy(), labels.copy())
    except Exception as error:
        return _wrong(f"your function raised {type(error).__name__}: {error}")
    if any(not np.array_equal(given[k], params[k]) for k in params):
        changed = [k for k in params if not np.array_equal(given[k], params[k])]
        return _wrong(f"your function changed params[{changed[0]!r}] in place")
    if not isinstance(result, Mapping) or set(result) != set(params):
        return _wrong("return a dict with the keys 'W1', 'b1', 'W2', 'b2'")
    dims = {"W1": "(p, d)", "b1": "(d,)", "W2": "(d, q)", "b2": "(q,)"}
    mutants = {
        "W1": {"dL/dW1: the ReLU mask 1[Z1 > 0] is not applied": X.T @ (G @ params["W2"].T)},
        "b1": {"dL/db1: the ReLU mask 1[Z1 > 0] is not applied": (G @ params["W2"].T).sum(axis=0)},
        "W2": {"dL/dW2 uses Z1; it is relu(Z1)^T G": Z1.T @ G},
        "b2": {},
    }
    extra = {"b1": f"a mean over the rows; the bias is added to every row, so its gradient sums them (off by n = {n})",
             "b2": f"a mean over the rows; the bias is added to every row, so its gradient sums them (off by n = {n})"}
    for name in ("W2", "b2", "W1", "b1"):
        array = np.asarray(result[name], dtype=np.float64) if np.ndim(result[name]) else result[name]
        if name in ("b1", "b2") and np.shape(array) == (n, params[name].size):
            return _wrong(f"dL/d{name} has shape {_shape(np.shape(array))}: sum over the n rows to get shape {dims[name]}")
        factors = _factors(n, f"dL/d{name}")
        if name in extra:
            factors[1.0 / n] = f"dL/d{name} is " + extra[name]
        verdict = _judge_gradient(name, array, {name: params[name]}, loss, what=f"dL/d{name}", dims=dims[name],
                                  mutants=mutants[name], factors=factors)
        if not verdict.ok:
            return verdict
    return CORRECT


# --- The deeper-networks chapter ------------------------------------------------------


@_exercise("11.1", "deeper-networks.md", "The shapes of the recursion",
           "a tuple of three shapes (delta_2, dL/dW_2, dL/db_2) for sizes [5, 7, 3, 2] and n = 4")
def _check_deep_1(answer: object) -> Verdict:
    truth = ((4, 3), (7, 3), (3,))
    try:
        shapes = tuple(tuple(int(s) for s in shape) for shape in answer)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return _wrong("the answer should be three shapes, such as ((1, 2), (3, 2), (2,))")
    if len(shapes) != 3:
        return _wrong(f"the answer should be three shapes; got {len(shapes)}")
    delta, gW, gb = shapes
    if delta != truth[0]:
        return _wrong(f"delta_2 has the shape of Z_2 = H_1 W_2, (n, d_2) = (4, 3), not {_shape(delta)}")
    if gW != truth[1]:
        return _wrong("dL/dW_2 " + ("is transposed: it has the shape of W_2, (d_1, d_2) = (7, 3)" if gW == (3, 7)
                                    else f"has the shape of W_2, (d_1, d_2) = (7, 3), not {_shape(gW)}"))
    if gb != truth[2]:
        return _wrong(f"dL/db_2 is delta_2 summed over the rows: shape (d_2,) = (3,), not {_shape(gb)}")
    return CORRECT


@_exercise("11.2", "deeper-networks.md", "One step of the recursion",
           "a function delta_prev(delta, W, Z_prev, phi, dphi) returning delta_{l-1}")
def _check_deep_2(answer: object) -> Verdict:
    rng = np.random.default_rng(822)
    for d_prev, d in ((4, 4), (3, 5)):  # square first, so that W for W^T does not fail on shapes
        delta, W, Z_prev = rng.standard_normal((6, d)), rng.standard_normal((d_prev, d)), rng.standard_normal((6, d_prev))
        result, bad = _call(answer, EXERCISES["11.2"].expects, delta=delta, W=W, Z_prev=Z_prev,
                            phi=np.tanh, dphi=lambda z: 1 - np.tanh(z) ** 2)
        if bad is not None:
            if "matmul" in bad.message or "shapes" in bad.message:
                return _wrong(bad.message + f"; delta is (n, d_l) and W is (d_(l-1), d_l): it is W^T that can "
                              "follow delta")
            return bad
        array, bad = _array(result, "delta_{l-1}")
        if bad is not None:
            return bad
        if array.shape != Z_prev.shape:
            return _wrong(f"delta_(l-1) has the shape of Z_(l-1), (n, d_(l-1)) = {_shape(Z_prev.shape)}; "
                          f"yours is {_shape(array.shape)}")
        dphi = 1 - np.tanh(Z_prev) ** 2
        truth = (delta @ W.T) * dphi
        if _close(array, truth, 1e-12):
            continue
        known = {
            "phi' is not applied: multiply delta W^T entry by entry by phi'(Z_(l-1))": delta @ W.T,
            "phi stands where phi' belongs: the factor is phi'(Z_(l-1))": (delta @ W.T) * np.tanh(Z_prev),
            "phi' is evaluated at H = phi(Z_(l-1)); it belongs at Z_(l-1)": (delta @ W.T) * (1 - np.tanh(np.tanh(Z_prev)) ** 2),
        }
        if d_prev == d:
            known["W where W^T belongs: the shapes happen to fit because W is square here"] = (delta @ W) * dphi
        for message, mutant in known.items():
            if _close(array, mutant, 1e-12):
                return _wrong(message)
        return _wrong("not (delta W^T) * phi'(Z_(l-1))")
    return CORRECT


@_exercise("11.3", "deeper-networks.md", "An initial scale for a deep ReLU stack",
           "a number c: weights c * standard normal for 20 ReLU layers of width 64")
def _check_deep_3(answer: object) -> Verdict:
    c, bad = _number(answer, EXERCISES["11.3"].expects)
    if bad is not None:
        return bad
    if not c > 0:
        return _wrong("the scale c must be positive")
    from labcode.deep import gradient_norms

    norms = gradient_norms(20, "relu", c, np.random.default_rng(0))
    gain = c * np.sqrt(64 / 2)
    if 1e-2 <= norms.min() and norms.max() <= 1e2:
        return CORRECT
    direction = "grow" if norms.max() > 1e2 else "shrink"
    return _wrong(f"the gradients {direction}: layer norms from {norms.min():.1e} to {norms.max():.1e}. With c = {c:.3g} "
                  f"each ReLU layer multiplies the signal's size by about c sqrt(64 / 2) = {gain:.3g}; "
                  "a ReLU zeroes half of its inputs, so the scale that keeps it is sqrt(2 / 64)")


# --- 10. Pitfalls -----------------------------------------------------------------------

_SNIPPETS_10_1 = {
    "a": "b = a\nb[0] = 9",
    "b": "b = a.copy()\nb[0] = 9",
    "c": "b = a[:]\nb[0] = 9",
    "d": "b = a + 0\nb[0] = 9",
    "e": "b = a.reshape(2, 2)\nb[0, 0] = 9",
    "f": "b = a.T\nb[0] = 9",
}
_WHY_10_1 = {
    "a": "b = a gives the array a second name; it never copies",
    "b": "a.copy() is a new array",
    "c": "a[:] is a view: a slice of a numpy array never copies",
    "d": "a + 0 computes a new array",
    "e": "reshaping a contiguous array gives a view of the same memory",
    "f": "a.T is a view (for a 1-D array, the array itself)",
}


def _leaves_a_unchanged(snippet: str) -> bool:
    namespace = {"a": np.arange(4.0)}
    exec(snippet, {}, namespace)  # the module's own fixed snippets, never the reader's code
    return bool(np.array_equal(namespace["a"], np.arange(4.0)))


@_exercise("12.1", "pitfalls.md", "Which snippets leave a unchanged?",
           "a set of letters among a-f: the snippets after which a = np.arange(4.0) is unchanged")
def _check_10_1(answer: object) -> Verdict:
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        return _wrong("the answer should be a set of letters, such as {'a', 'c'}")
    chosen = {str(letter).strip().lower() for letter in answer}
    unknown = chosen - set(_SNIPPETS_10_1)
    if unknown:
        return _wrong(f"there is no snippet {sorted(unknown)[0]!r}; the snippets are a to f")
    truth = {letter for letter, snippet in _SNIPPETS_10_1.items() if _leaves_a_unchanged(snippet)}
    wrong_in = sorted(chosen - truth)
    missing = sorted(truth - chosen)
    if not wrong_in and not missing:
        return CORRECT
    reasons = [f"{letter} changes a: {_WHY_10_1[letter]}" for letter in wrong_in]
    reasons += [f"{letter} leaves a unchanged: {_WHY_10_1[letter]}" for letter in missing]
    return _wrong("; ".join(reasons))


@_exercise("12.2", "pitfalls.md", "The layer that never saw the new weights",
           "a function perturb(params, h) that adds h to entry [0, 0] of params['W1'] so that the layer sees it")
def _check_10_2(answer: object) -> Verdict:
    from labcode.layers import Dense

    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    layer = Dense.from_arrays(W, np.zeros(2), "identity")
    params = {"W1": layer.params["W"]}
    X = np.array([[1.0, 0.0]])
    before = layer.forward(X).copy()
    held = params["W1"]
    if not callable(answer):
        return _wrong(f"this exercise expects {EXERCISES['10.2'].expects}; got {type(answer).__name__}")
    try:
        answer(params, 0.5)
    except Exception as error:
        return _wrong(f"your function raised {type(error).__name__}: {error}")
    after = layer.forward(X)
    if np.array_equal(after - before, [[0.5, 0.0]]):
        return CORRECT
    if params["W1"] is not held and params["W1"][0, 0] == 1.5:
        return _wrong("you rebound params['W1'] to a new array; the layer still holds the old one. "
                      "Change the array itself, in place: params['W1'][0, 0] += h")
    if np.array_equal(after, before):
        return _wrong("the layer's output did not change: perturb the very array the layer holds, in place")
    return _wrong(f"the output changed by {(after - before).tolist()}; adding h to W1[0, 0] changes it by [[0.5, 0.0]]")


# --- 11. Performance ------------------------------------------------------------------


@_exercise("13.1", "performance.md", "The floating-point operations of one epoch",
           "an integer: the FLOPs of the five matrix products of one epoch of the reference problem")
def _check_11_1(answer: object) -> Verdict:
    value, bad = _number(answer, EXERCISES["13.1"].expects)
    if bad is not None:
        return bad
    n, p, d, q = 64, 1000, 100, 10
    products = {"X W1": (n, p, d), "H W2": (n, d, q), "H^T G": (d, n, q), "G W2^T": (n, q, d), "X^T D": (p, n, d)}
    flops = {name: 2 * a * b * c for name, (a, b, c) in products.items()}
    truth = sum(flops.values())
    if value == truth:
        return CORRECT
    if value == truth // 2:
        return _wrong("you counted multiply-adds: each is two floating-point operations, so a (a, b) (b, c) product "
                      "costs 2 a b c")
    if value == flops["X W1"] + flops["H W2"]:
        return _wrong("that is the forward pass only: the backward pass adds three more products")
    if value == flops["X W1"] + flops["X^T D"]:
        return _wrong("you counted only the two products with X; the three small ones add "
                      f"{truth - flops['X W1'] - flops['X^T D']:,} more")
    return _wrong("not the sum of 2 m k n over the five products (X W1, H W2, H^T G, G W2^T, X^T D)")


@_exercise("13.2", "performance.md", "The cost of a finite-difference gradient",
           "a pair (forward passes, seconds) for central differences of 100,000 parameters at 1 ms per pass")
def _check_11_2(answer: object) -> Verdict:
    try:
        passes, seconds = (float(v) for v in answer)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return _wrong("the answer should be a pair of numbers: (forward passes, seconds)")
    if passes == 200_000 and _matches(seconds, 200.0):
        return CORRECT
    if passes == 100_000 or passes == 100_001:
        return _wrong("that is the forward difference's count; a central difference needs two passes "
                      "(at +h and at -h) per parameter")
    if passes == 200_000:
        return _wrong(f"{passes:,.0f} passes of 1 ms each take {passes / 1000:g} seconds, not {seconds:g}")
    return _wrong("a central difference costs two forward passes per parameter")
