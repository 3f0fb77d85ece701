"""Every exercise's checker accepts a right answer and names the typical wrong ones.

The answers below are written the way a reader would write them, independently
of the checkers' own reference computations; each wrong answer is paired with
a fragment of the diagnosis it must get. The last tests prove that the
solutions on docs/exercises.md, collapsed inside ``??? solution`` admonitions,
are run by Sybil and compared with their output fences.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from labcode.autograd import Function
from labcode.exercises import EXERCISES, Verdict, check, data
from tests.docs_harness import DOCS, ROOT, docs_sybil, executed_examples

sig = expit


def dsig(z):
    return sig(z) * (1 - sig(z))


def net_parts(beta1, beta2, X, Y):
    Z = X @ beta1
    H = sig(Z)
    return Z, H, Y - H @ beta2, X.shape[0]


# --- right answers -----------------------------------------------------------------


def grad_beta2(beta1, beta2, X, Y):
    Z, H, E, n = net_parts(beta1, beta2, X, Y)
    return -2 * H.T @ E / n


def grad_beta1(beta1, beta2, X, Y):
    Z, H, E, n = net_parts(beta1, beta2, X, Y)
    return -2 * X.T @ ((E @ beta2.T) * dsig(Z)) / n


def backprop(X, Y, W1, W2):
    z = X @ W1
    h = np.maximum(z, 0)
    G = 2 * (h @ W2 - Y) / Y.size
    return X.T @ ((G @ W2.T) * (z > 0)), h.T @ G


def classifier_backward(params, X, labels, *, bias_mean=False, no_mask=False, no_n=False):
    n = len(X)
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0)
    Z = H @ params["W2"] + params["b2"]
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    G = (P - np.eye(Z.shape[1])[labels]) / (1 if no_n else n)
    D = (G @ params["W2"].T) * (1 if no_mask else (Z1 > 0))
    reduce = np.mean if bias_mean else np.sum
    return {"W1": X.T @ D, "b1": reduce(D, axis=0), "W2": H.T @ G, "b2": G.sum(axis=0)}


def softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def central_gradient(loss, w, h):
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + h
        up = loss()
        w[i] = old - h
        down = loss()
        w[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def central_gradient_subtracting(loss, w, h):
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        w[i] += h
        up = loss()
        w[i] -= 2 * h
        down = loss()
        w[i] += h
        grad[i] = (up - down) / (2 * h)
    return grad


def forward_gradient(loss, w, h):
    grad, base = np.zeros_like(w), loss()
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + h
        grad[i] = (loss() - base) / h
        w[i] = old
    return grad


def copy_gradient(loss, w, h):
    v = w.copy()
    grad = np.zeros_like(w)
    for i in np.ndindex(v.shape):
        v[i] += h
        up = loss()
        v[i] -= h
        grad[i] = (up - loss()) / h
    return grad


class Square:
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, grad_out):
        return grad_out * 2 * self.x


class SquareIgnoringGrad(Square):
    def backward(self, grad_out):
        return 2 * self.x


class SquareFromOutput(Square):
    def forward(self, x):
        self.y = x * x
        return self.y

    def backward(self, grad_out):
        return grad_out * 2 * self.y


class Sigmoid(Function):
    def forward(self, x):
        self.s = sig(x)
        return self.s

    def backward(self, gy):
        return (gy * self.s * (1 - self.s),)


class SigmoidIgnoringGy(Sigmoid):
    def backward(self, gy):
        return (self.s * (1 - self.s),)


class SigmoidAtOutput(Sigmoid):
    def backward(self, gy):
        return (gy * dsig(self.s),)


class SigmoidNegated(Sigmoid):
    def backward(self, gy):
        return (-gy * self.s * (1 - self.s),)


def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def where_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def perturb_in_place(params, h):
    params["W1"][0, 0] += h


def perturb_rebinding(params, h):
    W = params["W1"].copy()
    W[0, 0] += h
    params["W1"] = W


def perturb_copy(params, h):
    W = params["W1"].copy()
    W[0, 0] += h


def relu_backward_aliased(grad, pre):
    out = grad
    out[pre < 0] = 0
    return out


def lr_from_hessian():
    X = data("5.2")["X"]
    return 1 / np.linalg.eigvalsh(2 * X.T @ X / X.shape[0]).max()


_ALL_BUT = {"a", "b", "c", "d", "e", "f"}

#: (exercise, right answer, [(wrong answer, fragment of its diagnosis), ...]).
CASES = [
    ("1.1", lambda X, G: X.T @ G, [
        (lambda X, G: G.T @ X, "transposed"),
        (lambda X, G: X.T @ G / len(X), "the mean of the outer products"),
        (lambda X, G: X * G, "raised ValueError"),
        (lambda X, G: np.outer(X[0], G[0]), "first sample only"),
    ]),
    ("1.2", lambda G: G.sum(axis=0), [
        (lambda G: G.sum(axis=1), "summed over the columns"),
        (lambda G: G.mean(axis=0), "a mean over the rows, off by a factor n = 7"),
        (lambda G: G.sum(axis=0, keepdims=True), "keepdims"),
        (lambda G: G, "must be summed"),
        (lambda G: -G.sum(axis=0), "wrong sign"),
    ]),
    ("2.1", ((1000, 100), (100,), (64, 100)), [
        (((100, 1000), (100,), (64, 100)), "W: transposed"),
        (((1000, 100), (100, 1), (64, 100)), "b: one number per output"),
        (((1000, 100), (100,), (100, 64)), "samples are rows"),
        ("W is 1000 by 100", "three shapes"),
    ]),
    ("2.2", lambda W, X, B: W.T @ X + B, [
        (lambda W, X, B: X.T @ W + B.T, "row convention"),
        (lambda W, X, B: W.T @ X, "the bias B is missing"),
        (lambda W, X, B: W @ X + B, "it is W^T that can multiply X"),
    ]),
    ("3.1", -0.75, [(-0.25, "factor: dA/dx = 3"), (0.75, "wrong sign"), (-1.5, "-1/C^2"), (0.5, "forward value")]),
    ("3.2", 7, [(6, "'+ x'"), (4, "two paths"), (1, "gradients of its paths add up"), (12, "forward value")]),
    ("3.3", Square, [
        (SquareIgnoringGrad, "ignores grad_out"),
        (SquareFromOutput, "stored output"),
        (3.0, "raised"),
    ]),
    ("4.1", lambda s: s * (1 - s), [
        (dsig, "the argument is already s"),
        (lambda s: 1 - s, "the factor s is missing"),
        (lambda s: s * s - s, "wrong sign"),
    ]),
    ("4.2", -1 / (1 + np.exp(-2.0)) ** 2, [
        (-1 / 1.14**2, "C rounded to 1.14"),
        (1 / (1 + np.exp(-2.0)) ** 2, "wrong sign"),
        (-1 / (1 + np.exp(-2.0)), "that is -1/C"),
        (-0.7758, "close but not exact"),
    ]),
    ("4.3", stable_sigmoid, [
        (lambda x: 1 / (1 + np.exp(-x)), "overflow"),
        (where_sigmoid, "it evaluates both of its branches"),
        (lambda x: np.tanh(x), "at x = -1000"),
    ]),
    ("5.1", lambda beta, X, Y: -2 * X.T @ (Y - X @ beta) / len(X), [
        (lambda beta, X, Y: -2 * X.T @ (Y - X @ beta), "the 1/n of the mean is missing"),
        (lambda beta, X, Y: -X.T @ (Y - X @ beta) / len(X), "a factor 2 is missing"),
        (lambda beta, X, Y: 2 * X.T @ (Y - X @ beta) / len(X), "wrong sign"),
        (lambda beta, X, Y: -2 * (Y - X @ beta).T @ X / len(X), "transposed"),
    ]),
    ("5.2", lr_from_hessian(), [(0.6, "diverges"), (0.001, "too slowly"), (-0.1, "positive"), ("0.25", "a number")]),
    ("6.1", grad_beta2, [
        (lambda b1, b2, X, Y: -2 * (X @ b1).T @ net_parts(b1, b2, X, Y)[2] / len(X), "phi is not applied"),
        (lambda b1, b2, X, Y: -2 * sig(X @ b1).T @ net_parts(b1, b2, X, Y)[2], "the 1/n of the mean is missing"),
        (lambda b1, b2, X, Y: -grad_beta2(b1, b2, X, Y), "wrong sign"),
        (lambda b1, b2, X, Y: grad_beta2(b1, b2, X, Y).T, "transposed"),
    ]),
    ("6.2", grad_beta1, [
        (lambda b1, b2, X, Y: -2 * X.T @ (net_parts(b1, b2, X, Y)[2] @ b2.T) / len(X), "phi' is not applied"),
        (lambda b1, b2, X, Y: -2 * X.T @ ((net_parts(b1, b2, X, Y)[2] @ b2.T) * dsig(sig(X @ b1))) / len(X),
         "phi' is evaluated at H"),
        (lambda b1, b2, X, Y: -2 * X.T @ ((net_parts(b1, b2, X, Y)[2] @ b2.T) * sig(X @ b1)) / len(X),
         "phi(X beta1) stands where phi'(X beta1) belongs"),
        (lambda b1, b2, X, Y: grad_beta1(b1, b2, X, Y) * len(X), "the 1/n of the mean is missing"),
        (lambda b1, b2, X, Y: grad_beta1(b1, b2, X, Y).T, "transposed"),
        (lambda b1, b2, X, Y: -grad_beta1(b1, b2, X, Y), "wrong sign"),
    ]),
    ("6.3", lambda b1, b2: np.concatenate([b1.ravel(), b2.ravel()]), [
        (lambda b1, b2: np.concatenate([b2.ravel(), b1.ravel()]), "beta2 comes first"),
        (lambda b1, b2: np.concatenate([b1.ravel(order="F"), b2.ravel()]), "column by column"),
        (lambda b1, b2: b1.ravel(), "shape (p*d + d*q,)"),
    ]),
    ("7.1", 1e-5, [(1e-10, "round-off dominates"), (1e-2, "truncation dominates"), (0.0, "positive")]),
    ("7.2", central_gradient, [
        (central_gradient_subtracting, "not restored exactly"),
        (forward_gradient, "forward difference"),
        (copy_gradient, "zero everywhere"),
    ]),
    ("7.3", lambda a, b: np.divide(np.abs(a - b), np.maximum(np.abs(a), np.abs(b)),
                                   out=np.zeros_like(a), where=np.maximum(np.abs(a), np.abs(b)) > 0), [
        (lambda a, b: np.abs(a - b) / np.maximum(np.abs(a), np.abs(b)), "0/0"),
        (lambda a, b: np.abs(a - b), "absolute error"),
        (lambda a, b: np.divide(np.abs(a - b), np.abs(a), out=np.zeros_like(a), where=a != 0), "you divided by |a|"),
    ]),
    ("8.1", backprop, [
        (lambda X, Y, W1, W2: tuple(g * Y.shape[1] for g in backprop(X, Y, W1, W2)), "q = 2 times too large"),
        (lambda X, Y, W1, W2: (X.T @ ((2 * (np.maximum(X @ W1, 0) @ W2 - Y) / Y.size) @ W2.T),
                               backprop(X, Y, W1, W2)[1]), "the ReLU mask is not applied"),
        (lambda X, Y, W1, W2: (backprop(X, Y, W1, W2)[0], -backprop(X, Y, W1, W2)[1]), "grad_W2 has the wrong sign"),
        (lambda X, Y, W1, W2: (backprop(X, Y, W1, W2)[0].T, backprop(X, Y, W1, W2)[1]), "transposed"),
    ]),
    ("8.2", lambda grad, pre: grad * (pre > 0), [
        (relu_backward_aliased, "changed its argument grad in place"),
        (lambda grad, pre: grad * (pre < 0), "inverted"),
        (lambda grad, pre: grad, "returned grad itself"),
        (lambda grad, pre: grad * pre, "multiplied by the pre-activation itself"),
    ]),
    ("9.1", 12.0, [(6.0, "adds every new gradient"), (9.0, "forward value"), (3, "not x.grad")]),
    ("9.2", Sigmoid, [
        (SigmoidIgnoringGy, "ignores gy"),
        (SigmoidAtOutput, "evaluated at the output"),
        (SigmoidNegated, "wrong sign"),
        (Square, "subclass of labcode.autograd.Function"),
    ]),
    ("10.1", softmax_rows, [
        (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "exp(1000) overflows"),
        (lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True), "whole matrix"),
        (lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)) / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=0),
         "columns sum to 1"),
    ]),
    ("10.2", lambda Z, labels: (softmax_rows(Z) - np.eye(Z.shape[1])[labels]) / len(Z), [
        (lambda Z, labels: softmax_rows(Z) - np.eye(Z.shape[1])[labels], "the 1/n of the mean is missing"),
        (lambda Z, labels: (np.eye(Z.shape[1])[labels] - softmax_rows(Z)) / len(Z), "it is P - Y, not Y - P"),
        (lambda Z, labels: (softmax_rows(Z) - labels[:, None]) / len(Z), "subtracted the labels as numbers"),
    ]),
    ("10.3", classifier_backward, [
        (lambda p, X, labels: classifier_backward(p, X, labels, bias_mean=True), "dL/db1 is a mean over the rows"),
        (lambda p, X, labels: classifier_backward(p, X, labels, no_mask=True), "mask 1[Z1 > 0] is not applied"),
        (lambda p, X, labels: classifier_backward(p, X, labels, no_n=True), "the 1/n of the mean is missing"),
        (lambda p, X, labels: dict(classifier_backward(p, X, labels), W2=classifier_backward(p, X, labels)["W2"].T),
         "transposed"),
    ]),
    ("11.1", ((4, 3), (7, 3), (3,)), [
        (((4, 7), (7, 3), (3,)), "delta_2 has the shape of Z_2"),
        (((4, 3), (3, 7), (3,)), "transposed"),
        (((4, 3), (7, 3), (4, 3)), "summed over the rows"),
    ]),
    ("11.2", lambda delta, W, Z_prev, phi, dphi: (delta @ W.T) * dphi(Z_prev), [
        (lambda delta, W, Z_prev, phi, dphi: delta @ W.T, "phi' is not applied"),
        (lambda delta, W, Z_prev, phi, dphi: (delta @ W.T) * phi(Z_prev), "phi stands where phi' belongs"),
        (lambda delta, W, Z_prev, phi, dphi: (delta @ W) * dphi(Z_prev), "W where W^T belongs"),
        (lambda delta, W, Z_prev, phi, dphi: (delta @ W.T) * dphi(phi(Z_prev)), "evaluated at H"),
    ]),
    ("11.3", np.sqrt(2 / 64), [(1.0, "grow"), (1 / 8, "shrink"), (-1.0, "positive")]),
    ("12.1", {"b", "d"}, [
        ({"b", "c", "d"}, "c changes a: a[:] is a view"),
        ({"b"}, "d leaves a unchanged"),
        ({"b", "d", "e"}, "reshaping a contiguous array"),
        ("bd", "a set of letters"),
    ]),
    ("12.2", perturb_in_place, [
        (perturb_rebinding, "you rebound params['W1']"),
        (perturb_copy, "did not change"),
        (lambda params, h: params["W1"].__setitem__((0, 0), h), "changed by"),
    ]),
    ("13.1", 25_984_000, [
        (12_992_000, "multiply-adds"),
        (12_928_000, "forward pass only"),
        (25_600_000, "only the two products with X"),
    ]),
    ("13.2", (200_000, 200.0), [((100_000, 100.0), "two passes"), ((200_000, 0.2), "take 200 seconds"),
                                (200_000, "a pair of numbers")]),
]


def test_every_exercise_has_a_case() -> None:
    assert [case[0] for case in CASES] == list(EXERCISES)


@pytest.mark.parametrize("exercise_id, right", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_the_right_answer_is_correct(exercise_id, right) -> None:
    verdict = check(exercise_id, right)
    assert isinstance(verdict, Verdict)
    assert verdict.ok and str(verdict) == "correct", str(verdict)


@pytest.mark.parametrize(
    "exercise_id, wrong, fragment",
    [(c[0], w, f) for c in CASES for w, f in c[2]],
    ids=[f"{c[0]}-{i}" for c in CASES for i in range(len(c[2]))],
)
def test_a_wrong_answer_gets_its_diagnosis(exercise_id, wrong, fragment) -> None:
    verdict = check(exercise_id, wrong)
    assert not verdict.ok
    assert fragment in verdict.message, verdict.message
    assert verdict.message != "correct"


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_every_checker_rejects_at_least_three_typical_mistakes(exercise_id) -> None:
    [case] = [c for c in CASES if c[0] == exercise_id]
    assert len(case[2]) >= 3


def test_gradient_checkers_name_a_partly_wrong_answer_by_its_entry() -> None:
    def one_entry_off(b1, b2, X, Y):
        g = grad_beta1(b1, b2, X, Y)
        g[2, 1] += 0.5
        return g

    message = check("6.2", one_entry_off).message
    assert "disagrees with finite differences in 1 of its 12 entries" in message
    assert "entry [2, 1]" in message


def test_unknown_ids_and_data() -> None:
    with pytest.raises(ValueError, match="unknown exercise '6.9'; the exercises are 1.1, 1.2"):
        check("6.9", None)
    with pytest.raises(ValueError, match="has no data"):
        data("6.2")
    first, second = data("5.2"), data("5.2")
    first["X"][0, 0] = 99.0
    assert second["X"][0, 0] != 99.0
    # The Hessian of 5.2 has the eigenvalues 4, 2, 1 that its checker's messages rely on.
    X = second["X"]
    np.testing.assert_allclose(np.linalg.eigvalsh(2 * X.T @ X / len(X)), [1.0, 2.0, 4.0], rtol=1e-12)


# --- the page ------------------------------------------------------------------------

PAGE = DOCS / "exercises.md"
_SOLUTION = re.compile(r'^\?\?\? solution "Solution"\n(?P<body>(?:\n|    .*\n)+)', re.MULTILINE)


def test_every_chapter_in_the_nav_has_two_to_four_exercises() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    chapters = re.findall(r"^  - [^:]+: ([a-z-]+\.md)$", nav, re.MULTILINE)
    chapters = [c for c in chapters if c not in ("index.md", "exercises.md")]
    assert len(chapters) == 13
    per_page = {c: [e.id for e in EXERCISES.values() if e.page == c] for c in chapters}
    assert {c: 2 <= len(ids) <= 4 for c, ids in per_page.items()} == {c: True for c in chapters}
    assert {e.page for e in EXERCISES.values()} == set(chapters)


def test_every_exercise_is_on_the_page_with_an_anchor_and_a_solution_that_checks_it() -> None:
    text = PAGE.read_text(encoding="utf-8")
    solutions = [m.group("body") for m in _SOLUTION.finditer(text)]
    assert len(solutions) == len(EXERCISES)
    for exercise, body in zip(EXERCISES.values(), solutions):
        assert f"{{#ex-{exercise.id.replace('.', '-')}}}" in text, exercise.id
        assert f'check("{exercise.id}", ' in body, f"the solution of {exercise.id} does not call check on it"
        assert re.search(r"```output\n(?:    .*\n)*?    .*\bcorrect\n    ```", body), exercise.id


def test_sybil_runs_the_code_inside_the_collapsed_solutions() -> None:
    """Count the executed examples that start inside a ``??? solution`` block: at least one per exercise."""
    text = PAGE.read_text(encoding="utf-8")
    spans = [(m.start(), m.end()) for m in _SOLUTION.finditer(text)]
    inside = [e for e in executed_examples(PAGE) if any(a <= e.region.start < b for a, b in spans)]
    per_solution = [sum(a <= e.region.start < b for e in inside) for a, b in spans]
    assert len(spans) == len(EXERCISES) and min(per_solution) >= 1
    assert len(inside) == sum(per_solution) >= len(EXERCISES)


def _run(tmp_path: Path, body: str) -> list[str]:
    from sybil.example import SybilFailure

    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(body), encoding="utf-8")
    document = docs_sybil.parse(page)
    failures, ran = [], 0
    docs_sybil.setup(document.namespace)
    try:
        for example in document.examples():
            ran += 1
            try:
                example.evaluate()
            except SybilFailure as failure:
                failures.append(str(failure))
    finally:
        docs_sybil.teardown(document.namespace)
    assert ran == 2
    return failures


_ADMONITION = '''\
# Page

??? solution "Solution"

    ```python
    print(6 * 7)
    ```

    ```output
    {printed}
    ```

    ```python
    >>> 6 * 7
    {printed}

    ```
'''


def test_an_indented_solution_is_compared_with_its_output_fence(tmp_path: Path) -> None:
    assert _run(tmp_path, _ADMONITION.format(printed="42")) == []
    failures = _run(tmp_path, _ADMONITION.format(printed="41"))
    assert len(failures) == 2
    assert "printed output differs from the ```output fence" in failures[0]


def test_the_page_shows_the_snippets_that_exercise_10_1_runs() -> None:
    from labcode.exercises import _SNIPPETS_10_1

    text = PAGE.read_text(encoding="utf-8")
    for letter, snippet in _SNIPPETS_10_1.items():
        assert f"- {letter}: `{snippet.replace(chr(10), '; ')}`" in text, letter
