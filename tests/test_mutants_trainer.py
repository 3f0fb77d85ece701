"""labcode.trainer: what the mutation run showed untested.

`TrainingLog.row` and `TrainingLog.table` show the elapsed time and every epoch
by default, and a record that is not an `EpochRecord` is refused by its type.
"""

from __future__ import annotations

import pytest

from labcode.trainer import EpochRecord, TrainingLog


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
