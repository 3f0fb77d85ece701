"""labcode.bench: every benchmark in quick mode, the results file and its loader.

Structure only: no test ever asserts a timing.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from labcode.bench import SCHEMA, format_result, main, registry, run, run_suite
from labcode.backprop import train_by_hand
from labcode.bench.loops import gradient_per_entry, gradient_per_sample, problem
from labcode.bench.tuned import train_tuned
from labcode.reference import reference_problem
from labcode.bench.report import (
    RESULTS_FILE, benchmark_table, load_results, machine_table, markdown_table, save_results,
)
from labcode.gradients import net_gradient

CASE_KEYS = {"median", "min", "max", "number", "note", "params"}
RESULT_KEYS = {
    "benchmark", "description", "quick", "clock", "blas_threads", "unit", "repeats", "cases", "ratios",
    "targets", "remarks",
}


@pytest.fixture(scope="module")
def quick_suite() -> dict:
    """Every benchmark in quick mode, once for this module (a few seconds)."""
    return run_suite(quick=True)


def test_registry_holds_the_four_benchmarks_in_book_order() -> None:
    assert list(registry()) == ["conventions", "loops", "cheap_gradient", "training"]


def test_quick_suite_has_the_documented_structure(quick_suite: dict) -> None:
    assert quick_suite["schema"] == SCHEMA and quick_suite["quick"] is True
    assert list(quick_suite["benchmarks"]) == list(registry())
    for name, result in quick_suite["benchmarks"].items():
        assert set(result) == RESULT_KEYS, name
        assert result["benchmark"] == name and result["clock"] in {"cpu", "wall"}
        assert result["cases"] and result["ratios"]
        for case, c in result["cases"].items():
            assert set(c) == CASE_KEYS, (name, case)
            assert 0 < c["min"] <= c["median"] <= c["max"], (name, case)
            assert isinstance(c["number"], int) and c["number"] >= 1
        assert set(result["targets"]) <= set(result["ratios"])
        assert all(np.isfinite(v) and v > 0 for v in result["ratios"].values())
    assert json.loads(json.dumps(quick_suite)) == quick_suite  # plain data


def test_quick_suite_records_the_machine(quick_suite: dict) -> None:
    m = quick_suite["machine"]
    assert set(m) >= {"cpu", "cores", "blas", "python", "numpy", "scipy", "torch", "platform", "load_average"}
    assert isinstance(m["cpu"], str) and m["cpu"] and m["cores"] >= 1
    assert m["numpy"] == np.__version__
    for blas in m["blas"]:
        assert set(blas) >= {"library", "version", "kernel", "threading"}
    assert quick_suite["date"].endswith("+00:00")


def test_each_benchmark_has_its_cases(quick_suite: dict) -> None:
    b = quick_suite["benchmarks"]
    conventions = b["conventions"]
    assert conventions["clock"] == "wall"  # threads: CPU time would add them up
    assert {c["params"]["threads"] for c in conventions["cases"].values()} == {1, 2}
    assert {c["params"]["n"] for c in conventions["cases"].values()} == {1, 64, 1024}
    assert {c["params"]["convention"] for c in conventions["cases"].values()} == {"columns", "rows"}
    assert {c["params"]["variant"] for c in b["loops"]["cases"].values()} == {"hadamard", "per_sample", "per_entry"}
    cheap = b["cheap_gradient"]
    assert list(cheap["cases"]) == ["forward", "backward", "gradient", "full_check", "directional_check"]
    assert any("extrapolated" in remark for remark in cheap["remarks"])
    training = b["training"]
    assert list(training["cases"])[:6] == ["gemm", "gemm_update", "tuned", "by_hand", "autograd", "trainer"]
    kernel = training["remarks"][0].removeprefix("BLAS kernel: ")
    assert kernel and kernel != training["remarks"][0]  # the kernel the ratios were measured on, beside them
    assert {c["params"]["blas_kernel"] for c in training["cases"].values()} == {kernel}
    assert ("torch" in training["cases"]) != any("not installed" in r for r in training["remarks"])


def test_run_pins_one_blas_thread_and_refuses_unknown_names() -> None:
    assert run("training", quick=True)["blas_threads"] == 1
    with pytest.raises(KeyError, match="no benchmark 'nope'"):
        run("nope")
    with pytest.raises(KeyError, match="no benchmark 'nope'"):
        run_suite(["nope"])


def test_command_line_runs_all_quick_and_writes_json(tmp_path, capsys) -> None:
    path = tmp_path / "sub" / "perf.json"
    assert main(["all", "--quick", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    for name in registry():
        assert f"\n{name}: median of" in out
    assert load_results(path)["quick"] is True


def test_a_saved_suite_loads_back_unchanged(tmp_path, quick_suite: dict) -> None:
    path = save_results(quick_suite, tmp_path / "out" / "perf.json")
    assert path.parent.name == "out" and load_results(path) == quick_suite
    assert list(quick_suite["benchmarks"]["loops"]["ratios"])[:2] == [
        "per_sample / hadamard (n=10)", "per_entry / hadamard (n=10)"]
    assert quick_suite["benchmarks"]["cheap_gradient"]["cases"]["full_check"]["params"]["parameters"] == 101_000
    conventions = quick_suite["benchmarks"]["conventions"]
    assert conventions["cases"]["rows, n=64, 2 threads"]["params"] == {"convention": "rows", "n": 64, "threads": 2}
    assert len(conventions["cases"]) == 12


def test_command_line_refuses_unknown_names(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["nope"])
    assert "unknown: ['nope']" in capsys.readouterr().err


def test_format_and_tables_mention_every_case(quick_suite: dict) -> None:
    for result in quick_suite["benchmarks"].values():
        text, table = format_result(result), markdown_table(result)
        for case in result["cases"]:
            assert case in text and f"`{case}`" in table
    assert quick_suite["machine"]["cpu"] in machine_table(quick_suite)


# --- the results file -----------------------------------------------------------


def test_loader_missing_file_says_how_to_make_one(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m labcode.bench all --json"):
        load_results(tmp_path / "none.json")


def test_loader_refuses_other_json(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_results(bad)
    bad.write_text(json.dumps({"schema": "something-else/9"}), encoding="utf-8")
    with pytest.raises(ValueError, match="schema is 'something-else/9', expected 'labbook-bench/1'"):
        load_results(bad)
    bad.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(ValueError, match="holds a JSON object"):
        load_results(bad)


def test_loader_names_what_is_missing(tmp_path, quick_suite: dict) -> None:
    broken = json.loads(json.dumps(quick_suite))
    del broken["benchmarks"]["loops"]["cases"]["hadamard, n=10"]["median"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValueError, match=r"case 'hadamard, n=10' of benchmark 'loops' is missing keys \['median'\]"):
        load_results(path)
    del broken["machine"]
    with pytest.raises(ValueError, match=r"missing keys \['machine'\]"):
        save_results(broken, tmp_path / "never.json")
    assert not (tmp_path / "never.json").exists()


def test_committed_results_file_is_a_full_run() -> None:
    suite = load_results(RESULTS_FILE)
    assert suite["quick"] is False
    assert list(suite["benchmarks"]) == list(registry())


def test_committed_training_runs_say_which_kernel_they_ran_on() -> None:
    """The results file with the kernel OpenBLAS chose, and a second training run with the AVX2 kernel forced."""
    for path, forced in ((RESULTS_FILE, None), (RESULTS_FILE.with_name("training-haswell.json"), "Haswell")):
        suite = load_results(path)
        training = suite["benchmarks"]["training"]
        kernels = {b["kernel"] for b in suite["machine"]["blas"]}
        assert suite["quick"] is False and training["remarks"][0] == f"BLAS kernel: {kernels.pop()}" and not kernels
        if forced:
            assert training["remarks"][0] == f"BLAS kernel: {forced}"


# --- the loop versions compute the same gradient --------------------------------


@pytest.mark.parametrize("n", [1, 3, 20])
def test_loop_versions_agree_with_the_hadamard_form(n: int) -> None:
    args = problem(n, np.random.default_rng(n))
    g1, g2 = net_gradient(*args)
    for other in (gradient_per_sample(*args), gradient_per_entry(*args)):
        np.testing.assert_allclose(other[0], g1, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(other[1], g2, rtol=1e-10, atol=1e-12)


# --- the tuned epoch computes what chapter 8's does -------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tuned_epoch_follows_train_by_hand(dtype) -> None:
    """Same losses and the same weights afterwards, to the rounding of a fused multiply-add."""
    plain, tuned = ([a.astype(dtype) for a in reference_problem()] for _ in range(2))
    expected = train_by_hand(*plain, epochs=30)
    W1, W2 = tuned[2], tuned[3]
    got = train_tuned(*tuned, epochs=30)
    assert got.shape == (30,) and tuned[2] is W1 and tuned[3] is W2  # updated in place
    rtol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=0)
    np.testing.assert_allclose(W1, plain[2], rtol=rtol, atol=rtol * np.abs(plain[2]).max())
    np.testing.assert_allclose(W2, plain[3], rtol=rtol, atol=rtol * np.abs(plain[3]).max())


def test_tuned_epoch_on_random_shapes_matches_the_plain_one() -> None:
    rng = np.random.default_rng(4)
    for n, p, d, q in [(1, 1, 1, 1), (5, 3, 7, 2), (9, 12, 4, 6)]:
        arrays = [rng.standard_normal(s) for s in ((n, p), (n, q), (p, d), (d, q))]
        plain, tuned = ([a.copy() for a in arrays] for _ in range(2))
        np.testing.assert_allclose(train_tuned(*tuned, lr=0.01, epochs=7),
                                   train_by_hand(*plain, lr=0.01, epochs=7), rtol=1e-12)
        np.testing.assert_allclose(tuned[2], plain[2], rtol=1e-12, atol=1e-14)


def test_tuned_epoch_updates_weights_of_any_memory_order() -> None:
    """Every product and update is numpy's, which writes into a Fortran-order array as into a C-order one."""
    plain, tuned = reference_problem(), reference_problem()
    W1 = np.asfortranarray(tuned[2])
    expected = train_by_hand(*plain, epochs=5)
    np.testing.assert_allclose(train_tuned(tuned[0], tuned[1], W1, tuned[3], epochs=5), expected, rtol=2e-5)
    np.testing.assert_allclose(W1, plain[2], rtol=2e-5, atol=2e-5 * np.abs(plain[2]).max())


def test_tuned_epoch_refuses_mixed_dtypes_and_wrong_shapes_and_changes_nothing() -> None:
    X, Y, W1, W2 = reference_problem()
    before = W1.copy()
    with pytest.raises(TypeError, match="W1 and W2 must both be float32 or both float64, got float32 and float64"):
        train_tuned(X, Y, W1, W2.astype(np.float64), epochs=2)
    with pytest.raises(ValueError, match=r"W1 has shape \(100, 1000\) but \(p, d\) was expected"):
        train_tuned(X, Y, W1.T.copy(), W2, epochs=2)
    np.testing.assert_array_equal(W1, before)


def test_tuned_epoch_stops_where_train_by_hand_stops() -> None:
    plain, tuned = reference_problem(), reference_problem()
    with pytest.raises(FloatingPointError) as expected:
        train_by_hand(*plain, lr=0.02, epochs=20)
    with pytest.raises(FloatingPointError) as got:
        train_tuned(*tuned, lr=0.02, epochs=20)
    assert str(got.value) == str(expected.value) and got.value.epoch == expected.value.epoch
    np.testing.assert_allclose(got.value.log, expected.value.log, rtol=1e-4)


# --- the page: its tables are the file's content -----------------------------------


def test_benchmark_table_is_the_files_table() -> None:
    results = load_results()
    for name, result in results["benchmarks"].items():
        assert benchmark_table(name) == markdown_table(result)
        assert benchmark_table(name, results) == markdown_table(result)
    assert machine_table(results).splitlines()[0] == "| measured on | |"


def test_benchmark_table_refuses_an_unknown_benchmark(quick_suite) -> None:
    with pytest.raises(ValueError, match=r"no benchmark 'nope' in the results file; it has \['cheap_gradient', "):
        benchmark_table("nope")
    with pytest.raises(ValueError, match="no benchmark 'training' in the results file; it has \\[\\]"):
        benchmark_table("training", dict(quick_suite, benchmarks={}))


def test_built_page_shows_every_case_of_the_results_file(built_site) -> None:
    html = (built_site.path / "performance" / "index.html").read_text(encoding="utf-8")
    results = load_results()
    for result in results["benchmarks"].values():
        for case in result["cases"]:
            assert f"<code>{case}</code>" in html, case
    assert results["date"] in html and "<!-- bench-" not in html


def test_the_results_file_ships_inside_the_package() -> None:
    """So the performance page's code runs from an installed wheel, not only from a clone."""
    import labcode

    assert RESULTS_FILE.is_relative_to(Path(labcode.__file__).parent), RESULTS_FILE
    assert load_results() == load_results(RESULTS_FILE)


def test_keep_freed_memory_is_reported_by_machine() -> None:
    """In a process of its own (it cannot be undone): the machine line says what malloc was told."""
    code = """
from labcode.bench.machine import keep_freed_memory, machine
before = machine()["malloc"]
done = keep_freed_memory()
print(before, "|", done, "|", machine()["malloc"] == done)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    before, done, same = (part.strip() for part in out.split("|"))
    assert before == "default" and same == "True"
    if platform.libc_ver()[0] == "glibc":
        assert done.startswith("glibc, freed memory kept"), done
    else:
        assert done == "default"


# --- the helpers the benchmarks share -------------------------------------------


def test_machine_names_the_blas_kernel_and_threads_can_be_pinned() -> None:
    from threadpoolctl import threadpool_info

    from labcode.bench.machine import blas_kernel, blas_threads, machine

    info = machine()
    assert info["cores"] >= 1 and info["numpy"] == np.__version__
    kernels = {blas["kernel"] for blas in info["blas"]}
    assert kernels and all(kernel in blas_kernel() for kernel in kernels)
    with blas_threads(1) as threads:
        pinned = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
        assert threads == 1 and pinned == {1}


def test_problem64_is_the_reference_problem_in_float64_and_labels_read_well() -> None:
    from labcode.bench.cheap_gradient import problem64
    from labcode.bench.conventions import label

    first = problem64()
    for ours, theirs in zip(first, reference_problem()):
        assert ours.dtype == np.float64
        np.testing.assert_array_equal(ours, theirs)
    assert problem64()[2] is not first[2]
    assert (label(1, 1), label(64, 2)) == ("n=1, 1 thread", "n=64, 2 threads")
