"""The numerical-environment matrix: the Sybil examples and numeric tests under
other OpenBLAS kernels and narrower NumPy SIMD dispatch.

    python .ci/numerics.py Prescott Haswell SkylakeX no-avx512 no-avx2
    python .ci/numerics.py Prescott -- docs/sigmoid.md   # one page, one cell

Each cell runs ``pytest -p numeric_only`` (the pages, the docstrings and the
tests of ``tests/`` that need neither the built site nor a browser) in a fresh
process whose environment forces the cell:

* a kernel name (``Prescott``, ``Nehalem``, ``Sandybridge``, ``Haswell``,
  ``SkylakeX``, ...) sets ``OPENBLAS_CORETYPE``;
* ``no-avx512`` turns off NumPy's AVX-512 loops, ``no-avx2`` its AVX2 ones as
  well (``NPY_DISABLE_CPU_FEATURES``, with the target names this NumPy uses).

Before the tests, a probe process reports what the cell really runs (the
kernel OpenBLAS picked, the SIMD targets NumPy left on) and multiplies a few
matrices, so that a cell whose setting did not take effect fails instead of
silently repeating the default run, and a crash or hang inside OpenBLAS is
named as such. Every process runs under a timeout: a hang fails the cell.
A cell the CPU cannot run (a kernel or an instruction set it lacks) is
skipped with the reason printed.

OpenBLAS 0.3.34 (the one in NumPy 2.5's wheels) rewrites the blocking sizes
of a *forced* kernel on AMD Zen 4/5 hosts that expose AVX-512 and report a
1 MiB L2 cache, and the older kernels then overflow a buffer and crash
(OpenMathLib/OpenBLAS#6013, #6021, fixed by #6027). The condition it tests
is ``l2 == 1024`` (kB), and ``OPENBLAS_L2_SIZE`` overrides the detected size,
so on such a host the cells set ``OPENBLAS_L2_SIZE=2048`` (the workaround
given in #6021) and say so. Any ``OPENBLAS_L2_SIZE`` inherited from the
environment is removed: the older kernels size their blocks from it, and a
value in bytes where kB are meant (1048576) makes ``Prescott`` hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Seconds before a cell's tests, or its probe, count as hung.
TEST_TIMEOUT = int(os.environ.get("LABBOOK_CELL_TIMEOUT", "600"))
PROBE_TIMEOUT = 60

#: The /proc/cpuinfo flags each forced kernel executes.
KERNEL_NEEDS = {
    "prescott": {"pni"},  # SSE3, "Prescott New Instructions"
    "nehalem": {"sse4_2"},
    "sandybridge": {"avx"},
    "haswell": {"avx2", "fma"},
    "zen": {"avx2", "fma"},
    "skylakex": {"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"},
    "cooperlake": {"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd", "avx512_bf16"},
}

#: What each SIMD cell turns off, and the /proc/cpuinfo flag without which it changes nothing.
SIMD_CELLS = {"no-avx512": "avx512f", "no-avx2": "avx2"}

PROBE = r"""
import json, numpy as np, threadpoolctl
from numpy._core import _multiarray_umath as umath
rng = np.random.default_rng(0)
for n in (2, 16, 64, 300):
    a = rng.standard_normal((n, n))
    float((a @ a).sum()); float(a[0] @ a[0])
    (a.astype(np.float32) @ a.astype(np.float32)).sum()
blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
features = umath.__cpu_features__
print(json.dumps({
    "numpy": np.__version__,
    "kernel": blas[0].get("architecture") if blas else None,
    "openblas": blas[0].get("version") if blas else None,
    "dispatch": list(umath.__cpu_dispatch__),
    "simd_on": [t for t in umath.__cpu_dispatch__ if features.get(t)],
}))
"""


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_vendor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("vendor_id"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def l2_kib() -> int | None:
    """The L2 cache of cpu0 in KiB, as the Linux kernel reports it ("2048K")."""
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            if (index / "level").read_text().strip() == "2":
                size = (index / "size").read_text().strip()
                return int(size.rstrip("KMG")) * {"K": 1, "M": 1024, "G": 1024 ** 2}.get(size[-1], 1)
        except (OSError, ValueError):
            continue
    return None


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / ".ci"), env.get("PYTHONPATH")]))
    return env


def probe(env: dict[str, str]) -> tuple[dict | None, str]:
    """What the environment really runs; (None, reason) if the probe crashed or hung."""
    try:
        done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"hung: no answer in {PROBE_TIMEOUT} s from a few matrix products"
    if done.returncode != 0:
        how = f"killed by signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        return None, f"{how} in a few matrix products:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


def simd_targets_off(cell: str, dispatch: list[str]) -> list[str]:
    """NumPy's own names for the dispatch targets a SIMD cell turns off."""
    off = [t for t in dispatch if t.startswith("AVX512") or t in ("X86_V4",)]
    if cell == "no-avx2":
        off += [t for t in dispatch if t in ("X86_V3", "AVX2", "FMA3")]
    return off


def main(cells: list[str], paths: list[str]) -> int:
    unknown = [cell for cell in cells if cell.lower() not in KERNEL_NEEDS and cell.lower() not in SIMD_CELLS]
    if unknown or not cells:
        print(f"matrix: unknown cells {unknown} (each is an OpenBLAS kernel: {', '.join(KERNEL_NEEDS)}; "
              f"or one of {', '.join(SIMD_CELLS)})")
        return 2
    flags, default_env = cpu_flags(), base_env()
    default, why = probe(default_env)
    if default is None:
        print(f"matrix: numpy with no forced setting already fails: {why}")
        return 1
    zen_gate = (cpu_vendor() == "AuthenticAMD" and "avx512f" in flags and l2_kib() == 1024
                and str(default["openblas"]).startswith("0.3.34"))
    print(f"matrix: python {sys.version.split()[0]}, numpy {default['numpy']}, OpenBLAS {default['openblas']}; "
          f"default kernel {default['kernel']}, SIMD targets on: {' '.join(default['simd_on']) or 'none'}")
    if zen_gate:
        print("matrix: AMD host with AVX-512 and 1 MiB L2 under OpenBLAS 0.3.34: forced kernels get "
              "OPENBLAS_L2_SIZE=2048 (OpenBLAS#6021 crashes them otherwise)")
    results = []

    def record(cell: str, verdict: str, detail: str, seconds: float) -> None:
        results.append((cell, verdict, detail, seconds))
        print(f"matrix: {cell} {verdict} ({seconds:.1f} s): {detail}", flush=True)

    for cell in cells:
        env, key = dict(default_env), cell.lower()
        if key in SIMD_CELLS:
            if SIMD_CELLS[key] not in flags:
                record(cell, "skipped", f"this CPU has no {SIMD_CELLS[key]}: the cell would repeat the default run", 0.0)
                continue
            off = simd_targets_off(key, default["dispatch"])
            env["NPY_DISABLE_CPU_FEATURES"] = ",".join(off)
            setting = f"NPY_DISABLE_CPU_FEATURES={env['NPY_DISABLE_CPU_FEATURES']}"
        else:
            missing = KERNEL_NEEDS[key] - flags
            if missing:
                record(cell, "skipped", f"this CPU lacks {' '.join(sorted(missing))}", 0.0)
                continue
            env["OPENBLAS_CORETYPE"] = cell
            if zen_gate:
                env["OPENBLAS_L2_SIZE"] = "2048"
            setting = f"OPENBLAS_CORETYPE={cell}" + (" OPENBLAS_L2_SIZE=2048" if zen_gate else "")

        start = time.monotonic()
        seen, why = probe(env)
        if seen is None:
            record(cell, "FAILED", f"{setting}: OpenBLAS or NumPy {why}", time.monotonic() - start)
            continue
        if key in SIMD_CELLS and (not off or set(off) & set(seen["simd_on"])):
            record(cell, "FAILED", f"{setting} left {' '.join(seen['simd_on'])} on", time.monotonic() - start)
            continue
        if key in KERNEL_NEEDS and seen["kernel"] == default["kernel"] and seen["kernel"].lower() != key:
            record(cell, "FAILED", f"{setting} did not take: OpenBLAS still runs {seen['kernel']}",
                            time.monotonic() - start)
            continue
        runs = f"kernel {seen['kernel']}, SIMD on: {' '.join(seen['simd_on']) or 'baseline only'}"
        print(f"matrix: {cell}: {setting} -> {runs}", flush=True)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "numeric_only", *paths]
        try:
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=TEST_TIMEOUT)
            output, status = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired as hung:
            output, status = hung.stdout or "", None
            if isinstance(output, bytes):
                output = output.decode(errors="replace")
        seconds = time.monotonic() - start
        summary = next((line.strip("= ") for line in reversed(output.splitlines()) if " in " in line and
                        any(word in line for word in ("passed", "failed", "error"))), "no pytest summary")
        if status == 0 and " passed" in summary:
            record(cell, "passed", f"{runs}; {summary}", seconds)
        else:
            why = f"hung: stopped after {TEST_TIMEOUT} s" if status is None else (
                f"killed by signal {-status}" if status < 0 else summary)
            print(f"matrix: {cell} FAILED ({why}); the end of its output:\n{output[-6000:]}", flush=True)
            record(cell, "FAILED", f"{runs}; {why}", seconds)

    print("matrix: results")
    for cell, verdict, detail, seconds in results:
        print(f"  {cell:<12} {verdict:<8} {seconds:6.1f} s  {detail}")
    return 1 if any(verdict == "FAILED" for _, verdict, _, _ in results) else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    sys.exit(main(args[:split], args[split + 1:]))
