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
    """One line of the log.

    Attributes
    ----------
    epoch : int
        Epoch number, from 1.
    loss : float
        Mean loss over the epoch's samples, each batch's loss taken before
        that batch's update.
    elapsed : float
        Seconds since the start of training, at the end of this epoch.

    Examples
    --------
    >>> from labcode.trainer import EpochRecord
    >>> EpochRecord(epoch=1, loss=0.5, elapsed=0.01).loss
    0.5
    """

    epoch: int
    loss: float
    elapsed: float


@dataclass
class TrainingLog:
    """The records of a training run, one per epoch.

    Attributes
    ----------
    records : list of EpochRecord

    Examples
    --------
    >>> from labcode.trainer import EpochRecord, TrainingLog
    >>> log = TrainingLog([EpochRecord(1, 2.0, 0.1), EpochRecord(2, 1.0, 0.2)])
    >>> len(log), log[-1].epoch, log.losses
    (2, 2, array([2., 1.]))
    >>> print(log.table(elapsed=False))
    epoch        loss
        1           2
        2           1
    """

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
        """The log as a text table: every ``every``-th epoch, the first and the last.

        Parameters
        ----------
        every : int, default 1
            Show epochs 1, ``every``, ``2 * every``, ... and the last one; at least 1.
        elapsed : bool, default True
            Whether to show the elapsed-time column (leave it out where the
            output must be reproducible).

        Returns
        -------
        str

        Examples
        --------
        >>> from labcode.trainer import EpochRecord, TrainingLog
        >>> log = TrainingLog([EpochRecord(e, 1 / e, e / 10) for e in range(1, 6)])
        >>> print(log.table(every=2))
        epoch        loss  elapsed (s)
            1           1        0.100
            2         0.5        0.200
            4        0.25        0.400
            5         0.2        0.500
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
    """The pairs ``(X_batch, Y_batch)`` of one epoch.

    Parameters
    ----------
    X : ndarray
        Inputs, shape (n, p).
    Y : ndarray
        Targets, shape (n, q).
    batch_size : int, optional
        Rows per batch, at least 1 (the last batch may be smaller). ``None``
        gives the full batch: ``X`` and ``Y`` themselves, not copies (for
        floating arrays).
    rng : numpy.random.Generator, optional
        Shuffles the rows each epoch; without it the order is kept.

    Returns
    -------
    iterator of tuple of ndarray
        The batches, shapes (b, p) and (b, q).

    Raises
    ------
    TypeError
        If ``X`` or ``Y`` is not real numbers, ``batch_size`` is not an int,
        or ``rng`` is not a `numpy.random.Generator`.
    ValueError
        If ``X`` and ``Y`` have different numbers of rows, an array is empty,
        or ``batch_size < 1``. The arguments are checked when `batches` is
        called, not when the first batch is drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.trainer import batches
    >>> X, Y = np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1)
    >>> [xb.shape for xb, yb in batches(X, Y, batch_size=2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> [xb is X for xb, yb in batches(X, Y)]
    [True]
    >>> batches(X, Y[:3])
    Traceback (most recent call last):
    ...
    ValueError: Y has shape (3, 1) but (n, q) was expected with n = 5 (set by X)
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

    Raises
    ------
    TypeError
        If ``model`` is not a `labcode.nn.Module`, ``loss_fn`` is not callable,
        ``optimizer`` is not an `labcode.optim.SGD`, ``batch_size`` is not an
        int or ``rng`` not a `numpy.random.Generator`.
    ValueError
        If ``batch_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import mean_squared_error
    >>> from labcode.nn import Linear
    >>> from labcode.optim import SGD
    >>> from labcode.trainer import Trainer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((32, 3))
    >>> Y = X @ np.array([[1.0], [-2.0], [0.5]])
    >>> model = Linear(3, 1, rng=rng, dtype=np.float64)
    >>> trainer = Trainer(model, mean_squared_error,
    ...                   SGD(model.parameters(), lr=0.1), batch_size=8, rng=rng)
    >>> log = trainer.fit(X, Y, epochs=30, print_every=10)  # doctest: +ELLIPSIS
    epoch        loss  elapsed (s)
        1 ...
       10 ...
       20 ...
       30 ...
    >>> [r.epoch for r in log][-1], bool(log[-1].loss < 1e-3)
    (30, True)
    >>> print(model.W.data.round(3).ravel())
    [ 1.  -2.   0.5]
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
        """Train for ``epochs`` epochs and return the log.

        Parameters
        ----------
        X : ndarray
            Inputs, shape (n, p).
        Y : ndarray
            Targets, shape (n, q).
        epochs : int
            Number of passes over the data, >= 0.
        print_every : int, optional
            Print the table's header, then epochs 1, ``print_every``, ... and the
            last, as they finish (at least 1). ``None`` prints nothing.
        progress : bool, optional
            ``True`` always shows a progress bar (on stderr), ``False`` never;
            ``None`` (the default) shows it only on a terminal and only once
            training has run for a second.

        Returns
        -------
        TrainingLog
            One `EpochRecord` per epoch.

        Raises
        ------
        TypeError
            If ``X`` or ``Y`` is not real numbers, or ``epochs`` or
            ``print_every`` is not an int.
        ValueError
            If the shapes of ``X`` and ``Y`` disagree or are empty, or
            ``epochs < 0`` or ``print_every < 1``; nothing is trained.
        FloatingPointError
            If a batch's loss is NaN or infinite (a learning rate too large
            makes training diverge). Training stops before that batch's update;
            the message names the epoch and the batch, the error's ``epoch``
            attribute is the epoch (from 1) and its ``log`` attribute the
            `TrainingLog` of the epochs before it. Overflow along the way is
            not warned about: it shows as that loss.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.autograd import mean_squared_error
        >>> from labcode.nn import Linear
        >>> from labcode.optim import SGD
        >>> from labcode.trainer import Trainer
        >>> model = Linear(1, 1, weight=np.zeros((1, 1)))
        >>> optimizer = SGD(model.parameters(), lr=0.25)
        >>> trainer = Trainer(model, mean_squared_error, optimizer)
        >>> log = trainer.fit(np.ones((4, 1)), np.full((4, 1), 2.0), epochs=3)
        >>> log.losses, model.W.data
        (array([4.  , 1.  , 0.25]), array([[1.75]]))

        With ``lr = 4`` each step multiplies the error by -7 and the loss by 49,
        until it overflows; training stops there, and the log is kept:

        >>> model = Linear(1, 1, weight=np.zeros((1, 1)))
        >>> optimizer = SGD(model.parameters(), lr=4.0)
        >>> trainer = Trainer(model, mean_squared_error, optimizer)
        >>> try:
        ...     trainer.fit(np.ones((4, 1)), np.full((4, 1), 2.0), epochs=1000)
        ... except FloatingPointError as error:
        ...     print(error.epoch, len(error.log), error.log.losses[:3].tolist())
        ...     print(error)
        183 182 [4.0, 196.0, 9604.0]
        the loss is inf in epoch 183 (batch 1): training stopped before that batch's
        update (lr = 4 may be too large)
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
