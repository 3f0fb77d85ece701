"""A training loop that owns the iteration: batches, optimizer steps and a log.

`Trainer.fit` runs epochs over a data set in mini-batches (or the full batch),
calls the optimizer after each backward pass, and returns a `TrainingLog` with
the epoch, the loss and the elapsed time of every epoch. It can print the log
as a table while it runs, and shows a progress bar (tqdm) for runs long enough
to need one: the bar appears only after a second, and only on a terminal.
If the loss becomes NaN or infinite, `Trainer.fit` stops with a
`FloatingPointError` that names the epoch and carries the log so far.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from labcode.autograd import Variable
from labcode.nn import Module
from labcode.optim import SGD
from labcode.shapes import as_float, as_int, check_rng, check_shapes

__all__ = ["EpochRecord", "TrainingLog", "batches", "Trainer"]

Array = NDArray[np.floating]


@dataclass(frozen=True)
class EpochRecord:
    """One line of the log: the ``epoch`` (from 1), its mean ``loss`` over the samples (each batch's loss taken before its update), and the seconds ``elapsed`` since training started."""

    epoch: int
    loss: float
    elapsed: float


@dataclass
class TrainingLog:
    """The records of a training run, one `EpochRecord` per epoch: a sequence, with ``losses`` and a ``table``."""

    records: list[EpochRecord] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> EpochRecord:
        return self.records[i]

    def __iter__(self) -> Iterator[EpochRecord]:
        return iter(self.records)

    @property
    def losses(self) -> NDArray[np.float64]:
        """The loss of every epoch, shape (epochs,)."""
        return np.array([r.loss for r in self.records], dtype=np.float64)

    @staticmethod
    def header(elapsed: bool = True) -> str:
        """The table's header line (see `table`)."""
        return f"{'epoch':>5} {'loss':>11}" + (f" {'elapsed (s)':>12}" if elapsed else "")

    @staticmethod
    def row(record: EpochRecord, elapsed: bool = True) -> str:
        """One record as a table row: the loss to 4 significant digits."""
        if not isinstance(record, EpochRecord):
            raise TypeError(f"record must be an EpochRecord, got {type(record).__name__}")
        line = f"{record.epoch:>5} {record.loss:>11.4g}"
        return line + (f" {record.elapsed:>12.3f}" if elapsed else "")

    def table(self, every: int = 1, elapsed: bool = True) -> str:
        """The log as a text table: epochs 1, ``every``, ``2 * every``, ... and the last, with or without the ``elapsed`` column.

        Leave the elapsed time out where the output must be reproducible.
        """
        every = as_int(every, "every", at_least=1)
        lines = [self.header(elapsed)]
        last = len(self.records)
        for r in self.records:
            if r.epoch == 1 or r.epoch % every == 0 or r.epoch == last:
                lines.append(self.row(r, elapsed))
        return "\n".join(lines)


def batches(
    X: Array, Y: Array, batch_size: int | None = None, rng: np.random.Generator | None = None
) -> Iterator[tuple[Array, Array]]:
    """The pairs ``(X_batch, Y_batch)``, (b, p) and (b, q), of one epoch over ``X`` (n, p) and ``Y`` (n, q).

    ``batch_size=None`` gives the full batch, ``X`` and ``Y`` themselves (not
    copies, for floating arrays); otherwise the last batch may be smaller.
    ``rng`` shuffles the rows; without it the order is kept. The arguments are
    checked when `batches` is called, not when the first batch is drawn.
    """
    X, Y = as_float(X, "X"), as_float(Y, "Y")
    n = check_shapes(X=(X, "n p"), Y=(Y, "n q"))["n"]
    batch_size = None if batch_size is None else as_int(batch_size, "batch_size", at_least=1)
    rng = None if rng is None else check_rng(rng)
    return _batches(X, Y, n, batch_size, rng)


def _batches(
    X: Array, Y: Array, n: int, batch_size: int | None, rng: np.random.Generator | None
) -> Iterator[tuple[Array, Array]]:
    """`batches` after its checks: the generator itself."""
    if batch_size is None:
        yield X, Y
        return
    order = rng.permutation(n) if rng is not None else None
    for start in range(0, n, batch_size):
        rows = slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        yield X[rows], Y[rows]


class Trainer:
    """Train a model: for each batch, forward, loss, zero-grad, backward, optimizer step.

    Parameters
    ----------
    model : Module
        Maps a batch of inputs (b, p) to predictions (b, q).
    loss_fn : callable
        ``loss_fn(y_pred, Y_batch)`` returns a one-number `Variable`, e.g.
        `labcode.autograd.mean_squared_error`.
    optimizer : SGD
        Owns the parameters and their update.
    batch_size : int, optional
        Mini-batch size, at least 1; ``None`` (the default) trains on the full batch.
    rng : numpy.random.Generator, optional
        Shuffles the rows every epoch (mini-batches only).
    """

    def __init__(
        self,
        model: Module,
        loss_fn: Callable[[Variable, Array], Variable],
        optimizer: SGD,
        *,
        batch_size: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"model must be a labcode.nn.Module, got {type(model).__name__}")
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
        if not isinstance(optimizer, SGD):
            raise TypeError(f"optimizer must be a labcode.optim.SGD, got {type(optimizer).__name__}")
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.batch_size = None if batch_size is None else as_int(batch_size, "batch_size", at_least=1)
        self.rng = None if rng is None else check_rng(rng)

    def fit(
        self,
        X: Array,
        Y: Array,
        epochs: int,
        *,
        print_every: int | None = None,
        progress: bool | None = None,
    ) -> TrainingLog:
        """Train for ``epochs`` epochs on ``X`` (n, p) and ``Y`` (n, q) and return the `TrainingLog`.

        Parameters
        ----------
        print_every : int, optional
            Print the table's header, then epochs 1, ``print_every``, ... and the
            last, as they finish. ``None`` prints nothing.
        progress : bool, optional
            ``True`` always shows a progress bar (on stderr), ``False`` never;
            ``None`` (the default) shows it only on a terminal and only once
            training has run for a second.

        Raises
        ------
        FloatingPointError
            If a batch's loss is NaN or infinite (a learning rate too large
            makes training diverge). Training stops before that batch's update;
            the message names the epoch and the batch, the error's ``epoch``
            attribute is the epoch (from 1) and its ``log`` attribute the
            `TrainingLog` of the epochs before it.
        """
        X, Y = as_float(X, "X"), as_float(Y, "Y")
        check_shapes(X=(X, "n p"), Y=(Y, "n q"))
        epochs = as_int(epochs, "epochs", at_least=0)
        print_every = None if print_every is None else as_int(print_every, "print_every", at_least=1)
        log = TrainingLog()
        bar = tqdm(
            total=epochs,
            unit="epoch",
            file=sys.stderr,
            disable=(not progress) if progress is not None else None,
            delay=0.0 if progress else 1.0,
            leave=False,
        )
        say = print if bar.disable else tqdm.write
        if print_every is not None:
            say(TrainingLog.header())
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # overflow shows as a loss that is not finite
                self._epochs(X, Y, epochs, log, print_every, say, bar)
        finally:
            bar.close()
        return log

    def _epochs(self, X: Array, Y: Array, epochs: int, log: TrainingLog, print_every: int | None,
                say: Callable[[str], None], bar: tqdm) -> None:
        """The loop of `fit`, after its checks: appends to ``log``."""
        start = time.perf_counter()
        for epoch in range(1, epochs + 1):
            total, count = 0.0, 0
            for number, (X_batch, Y_batch) in enumerate(batches(X, Y, self.batch_size, self.rng), start=1):
                loss = self.loss_fn(self.model(X_batch), Y_batch)
                value = float(loss.data)
                if not np.isfinite(value):
                    error = FloatingPointError(
                        f"the loss is {value} in epoch {epoch} (batch {number}): training stopped "
                        f"before that batch's update (lr = {self.optimizer.lr:g} may be too large)"
                    )
                    error.epoch, error.log = epoch, log
                    raise error
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                total += value * len(X_batch)
                count += len(X_batch)
            record = EpochRecord(epoch, total / count, time.perf_counter() - start)
            log.records.append(record)
            if print_every is not None and (epoch == 1 or epoch % print_every == 0 or epoch == epochs):
                say(TrainingLog.row(record))
            bar.update()
            if not bar.disable:
                bar.set_postfix_str(f"loss {record.loss:.4g}", refresh=False)
