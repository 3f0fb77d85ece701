"""The training benchmark: one epoch on the reference problem, several ways.

* ``gemm``: the five matrix products of an epoch alone, on arrays of the right
  shapes, written into arrays allocated once: the floor that no implementation
  can beat.
* ``gemm_update``: the same five products and the two weight updates as
  chapter 8 writes them, ``W -= lr * grad_W``.
* ``tuned``: `labcode.bench.tuned.train_tuned`, the hand-written epoch with
  its overhead taken out (checked once, arrays reused, the learning rate
  folded into the output gradient so that each update is one pass over its
  weights): the measured subject.
* ``by_hand``: `labcode.backprop.train_by_hand`, the hand-written epoch as
  chapter 8 writes it (every call checked, new arrays, ``W -= lr * grad_W``).
* ``autograd``: the same epoch with `labcode.nn` modules, the autograd's
  ``backward()`` and `labcode.optim.SGD`: `labcode.reference.train_loop` on a
  `labcode.reference.reference_model` built before the timed region.
* ``trainer``: the same again through `labcode.trainer.Trainer` (adds the log).
* ``torch``: where PyTorch is installed, its eager autograd on the same arrays
  (``torch.from_numpy``, no copy), one intra-op thread; skipped with a remark
  otherwise.

Every timed block starts from fresh reference arrays.
"""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable, Iterator

import numpy as np

from labcode.autograd import mean_squared_error
from labcode.backprop import forward, train_by_hand
from labcode.bench.machine import blas_kernel
from labcode.bench.suite import Measurement, benchmark
from labcode.bench.timing import time_cases
from labcode.bench.tuned import train_tuned
from labcode.reference import LEARNING_RATE, reference_model, reference_problem, train_loop
from labcode.trainer import Trainer

__all__ = ["training"]


def _gemm_operands() -> tuple[np.ndarray, ...]:
    """The operands of an epoch's five GEMMs on the reference problem: X, W1, W2, h, grad_y, grad_z."""
    X, Y, W1, W2 = reference_problem()
    z, h, y_pred = forward(X, W1, W2)
    grad_y = (2.0 / y_pred.size) * (y_pred - Y)
    grad_z = (grad_y @ W2.T) * (z > 0)
    return X, W1, W2, h, grad_y, grad_z


def _gemm() -> Callable[[int], object]:
    X, W1, W2, h, grad_y, grad_z = _gemm_operands()
    out = [np.empty(shape, np.float32) for shape in ((64, 100), (64, 10), W2.shape, (64, 100), W1.shape)]

    def work(epochs: int) -> None:
        for _ in range(epochs):
            np.matmul(X, W1, out=out[0])
            np.matmul(h, W2, out=out[1])
            np.matmul(h.T, grad_y, out=out[2])
            np.matmul(grad_y, W2.T, out=out[3])
            np.matmul(X.T, grad_z, out=out[4])

    return work


def _gemm_update() -> Callable[[int], object]:
    X, W1, W2, h, grad_y, grad_z = _gemm_operands()

    def work(epochs: int) -> None:
        for _ in range(epochs):
            X @ W1
            h @ W2
            grad_W2 = h.T @ grad_y
            grad_y @ W2.T
            grad_W1 = X.T @ grad_z
            np.subtract(W1, LEARNING_RATE * grad_W1, out=W1)  # W1 -= lr * grad_W1 (W1 is not local here)
            np.subtract(W2, LEARNING_RATE * grad_W2, out=W2)

    return work


def _tuned() -> Callable[[int], object]:
    X, Y, W1, W2 = reference_problem()
    return lambda epochs: train_tuned(X, Y, W1, W2, lr=LEARNING_RATE, epochs=epochs)


def _by_hand() -> Callable[[int], object]:
    X, Y, W1, W2 = reference_problem()
    return lambda epochs: train_by_hand(X, Y, W1, W2, lr=LEARNING_RATE, epochs=epochs)


def _autograd() -> Callable[[int], object]:
    X, Y, model, optimizer = reference_model()
    return lambda epochs: train_loop(model, optimizer, X, Y, epochs)


def _trainer() -> Callable[[int], object]:
    X, Y, model, optimizer = reference_model()
    trainer = Trainer(model, mean_squared_error, optimizer)
    return lambda epochs: trainer.fit(X, Y, epochs, progress=False)


def _torch() -> Callable[[int], object]:
    import torch

    X, Y, W1, W2 = (torch.from_numpy(a) for a in reference_problem())
    W1.requires_grad_(True)
    W2.requires_grad_(True)

    def work(epochs: int) -> None:
        for _ in range(epochs):
            loss = ((X.mm(W1).clamp(min=0).mm(W2) - Y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                for W in (W1, W2):
                    W -= LEARNING_RATE * W.grad
                    W.grad = None

    return work


@contextlib.contextmanager
def _torch_one_thread() -> Iterator[str | None]:
    """Yield PyTorch's version with its intra-op threads set to 1, or None if it is not installed."""
    try:
        import torch
    except ImportError:
        yield None
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield torch.__version__
    finally:
        torch.set_num_threads(threads)


@benchmark("training", "one epoch on the reference problem: GEMM floor, hand-written, autograd, PyTorch")
def training(quick: bool = False, clock: str = "cpu") -> Measurement:
    """Median time per epoch of each case, and their ratios (medians of the ratios within a round).

    ``quick=True`` runs 3 blocks of 2 epochs per case instead of 61 blocks of 20;
    ``clock`` is passed to `labcode.bench.time_cases`. Cases ``gemm``,
    ``gemm_update``, ``tuned``, ``by_hand``, ``autograd``, ``trainer`` (and
    ``torch`` where PyTorch is installed), each with the BLAS kernel in its
    ``params``; ratios ``tuned / gemm``, ``autograd / tuned``,
    ``autograd / by_hand``, ``by_hand / gemm``, ``gemm_update / gemm``,
    ``by_hand / gemm_update``, ``trainer / by_hand`` (and ``torch / by_hand``,
    ``autograd / torch``).
    """
    repeats, number = (3, 2) if quick else (61, 20)
    cases = {
        "gemm": _gemm,
        "gemm_update": _gemm_update,
        "tuned": _tuned,
        "by_hand": _by_hand,
        "autograd": _autograd,
        "trainer": _trainer,
    }
    remarks = []
    with _torch_one_thread() as torch_version:
        if torch_version is None:
            remarks.append("PyTorch is not installed: its case was skipped")
        else:
            cases["torch"] = _torch
            remarks.append(f"PyTorch {torch_version}, eager mode, 1 intra-op thread, on the same float32 arrays")
        times = time_cases(cases, repeats=repeats, number=number, clock=clock)
    def ratio(a: str, b: str) -> float:
        # The median of the ratios within each round: a round runs every case back to back, so another
        # job's load slows both cases of a pair alike, where it would shift a ratio of two medians.
        return statistics.median(x / y for x, y in zip(times[a], times[b]))

    pairs = [("tuned", "gemm"), ("autograd", "tuned"), ("autograd", "by_hand"), ("by_hand", "gemm"),
             ("gemm_update", "gemm"), ("by_hand", "gemm_update"), ("trainer", "by_hand")]
    if "torch" in times:
        pairs += [("torch", "by_hand"), ("autograd", "torch")]
    ratios = {f"{a} / {b}": ratio(a, b) for a, b in pairs}
    notes = {
        "gemm": "the five matrix products alone",
        "gemm_update": "the five products and W -= lr * grad_W twice",
        "tuned": "labcode.bench.tuned.train_tuned",
        "by_hand": "labcode.backprop.train_by_hand",
        "autograd": "nn.Sequential + backward() + optim.SGD",
        "trainer": "trainer.Trainer.fit (adds the log)",
        "torch": "PyTorch eager: forward, loss.backward(), in-place update",
    }
    kernel = blas_kernel()
    remarks.insert(0, f"BLAS kernel: {kernel}")
    remarks.append("each ratio is the median over the rounds of that round's ratio (the cases of a round run "
                   "back to back, in an order that rotates)")
    return Measurement(
        times=times,
        unit="epoch",
        number={name: number for name in times},
        ratios=ratios,
        targets={"tuned / gemm": 1.10, "autograd / tuned": 1.05, "autograd / by_hand": 1.05},
        notes={name: notes[name] for name in times},
        params={name: {"blas_kernel": kernel} for name in times},
        remarks=remarks,
    )
