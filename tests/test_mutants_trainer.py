"""labcode.trainer: what the mutation run showed untested.

Checked here: `batches` shuffles with the generator it is given; `Trainer.fit`
is exactly a hand-written loop over those batches (shuffled each epoch, the
epoch's loss the sample-weighted mean of its batch losses); the log's elapsed
times are real; ``print_every`` prints the documented epochs; zero epochs and
batches of one are allowed; `TrainingLog.row` and `TrainingLog.table` show the
elapsed time and every epoch by default; arguments of the wrong kind are
refused naming their type.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from labcode.autograd import mean_squared_error
from labcode.nn import Linear
from labcode.optim import SGD
from labcode.trainer import EpochRecord, Trainer, TrainingLog, batches


def _data(n=10):
    rng = np.random.default_rng(21)
    X = rng.standard_normal((n, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.standard_normal((n, 1))


def test_batches_shuffle_with_the_generator_given() -> None:
    X, Y = _data()
    got = list(batches(X, Y, batch_size=4, rng=np.random.default_rng(3)))
    order = np.random.default_rng(3).permutation(10)
    assert [len(xb) for xb, _ in got] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in got]), X[order])
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in got]), Y[order])


def test_fit_is_the_hand_written_loop_over_shuffled_batches() -> None:
    X, Y = _data()
    model = Linear(3, 1, weight=np.zeros((3, 1)))
    log = Trainer(model, mean_squared_error, SGD(model.parameters(), lr=0.125), batch_size=4,
                  rng=np.random.default_rng(8)).fit(X, Y, epochs=3)
    twin = Linear(3, 1, weight=np.zeros((3, 1)))
    optimizer, rng, expected = SGD(twin.parameters(), lr=0.125), np.random.default_rng(8), []
    for _ in range(3):
        total = 0.0
        for xb, yb in batches(X, Y, 4, rng):
            loss = mean_squared_error(twin(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.data) * len(xb)
        expected.append(total / len(X))
    np.testing.assert_array_equal(log.losses, expected)
    np.testing.assert_array_equal(model.W.data, twin.W.data)


def test_elapsed_times_are_real_and_print_every_prints_the_documented_epochs(capsys) -> None:
    X, Y = _data()
    model = Linear(3, 1, weight=np.zeros((3, 1)))
    trainer = Trainer(model, mean_squared_error, SGD(model.parameters(), lr=0.0625), batch_size=1)
    before = time.perf_counter()
    log = trainer.fit(X, Y, epochs=5, print_every=2, progress=False)
    took = time.perf_counter() - before
    elapsed = [r.elapsed for r in log]
    assert 0 <= elapsed[0] and elapsed == sorted(elapsed) and elapsed[-1] <= took
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed[1:]] == ["1", "2", "4", "5"]
    assert len(trainer.fit(X, Y, epochs=0, progress=False)) == 0


def test_trainer_refuses_arguments_of_the_wrong_kind_naming_their_type() -> None:
    model = Linear(3, 1, weight=np.zeros((3, 1)))
    optimizer = SGD(model.parameters())
    for args in ((5, mean_squared_error, optimizer), (model, 5, optimizer), (model, mean_squared_error, 5)):
        with pytest.raises(TypeError) as excinfo:
            Trainer(*args)
        assert "int" in str(excinfo.value)


def test_row_and_table_defaults() -> None:
    log = TrainingLog([EpochRecord(e, 1.0 / e, 0.25 * e) for e in range(1, 5)])
    assert TrainingLog.row(log[1]).split() == ["2", "0.5", "0.500"]
    assert TrainingLog.row(log[1], elapsed=False).split() == ["2", "0.5"]
    lines = log.table().splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3", "4"]
    assert len(lines[0].split()) == 4  # epoch, loss, elapsed (s)
    assert [line.split()[0] for line in log.table(every=3).splitlines()[1:]] == ["1", "3", "4"]


def test_row_refuses_what_is_not_a_record() -> None:
    with pytest.raises(TypeError) as excinfo:
        TrainingLog.row((1, 0.5, 0.1))
    assert "tuple" in str(excinfo.value)
