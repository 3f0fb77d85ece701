"""The machine the numbers are measured on: CPU, cores, BLAS (and its kernel), versions, load; BLAS threads."""

from __future__ import annotations

import contextlib
import importlib
import os
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["blas_threads", "keep_freed_memory", "machine", "blas_kernel"]

#: How this process's malloc was set up, as `machine` reports it ("default" until `keep_freed_memory`).
_MALLOC = "default"


@contextlib.contextmanager
def blas_threads(threads: int) -> Iterator[int | None]:
    """Limit BLAS to ``threads`` threads (threadpoolctl) and yield the number in effect; without threadpoolctl, yield ``None`` and change nothing."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        yield None
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        found = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        yield min(found) if found else None


def keep_freed_memory() -> str:
    """Tell glibc's malloc to keep freed memory for the next allocation; return what was done.

    By default glibc hands a large freed block back to the system once the
    free space at the top of its heap passes a threshold that moves with the
    sizes it has seen, and the next array of that size costs one page fault
    per 4 kB page (about 200 for an 800 kB array, a few microseconds each
    on a virtual machine). Whether a case pays them then depends on which
    arrays earlier code freed. Raising both thresholds (arrays up to 32 MiB
    from the heap, up to 128 MiB of free heap kept) puts every case in the
    state a long-running program reaches. It changes this whole process and
    cannot be undone, so only the benchmark command calls it. On a system
    without glibc nothing changes and ``"default"`` is returned.
    """
    global _MALLOC
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
        if libc.mallopt(m_mmap_threshold, 32 << 20) == 1 and libc.mallopt(m_trim_threshold, 128 << 20) == 1:
            _MALLOC = "glibc, freed memory kept (mmap threshold 32 MiB, trim threshold 128 MiB)"
    return _MALLOC


def _cpu() -> dict[str, str]:
    """The first processor of ``/proc/cpuinfo``: model name, family/model/stepping, widest SIMD."""
    fields: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    simd = next((name for name in ("avx512f", "avx2", "avx", "sse2") if name in flags), "unknown")
    return {
        "cpu": fields.get("model name") or platform.processor() or "unknown",
        "cpu_id": ", ".join(f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if k in fields)
        or "unknown",
        "simd": simd,
    }


def _version(module: str) -> str | None:
    try:
        return importlib.import_module(module).__version__
    except ImportError:
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on, as plain data: CPU, cores, BLAS, library versions, load.

    ``cpu`` (the model name from ``/proc/cpuinfo``), ``cpu_id`` (its family,
    model and stepping), ``simd`` (the widest vector extension it lists:
    ``avx512f``, ``avx2``, ...), ``architecture``, ``cores`` (logical CPUs this
    process may use), ``blas`` (a list of the BLAS libraries loaded, with
    ``library``, ``version``, ``kernel`` (the CPU architecture OpenBLAS chose its
    kernels for), ``threading`` and ``default_threads``; empty without
    threadpoolctl), ``python``, ``numpy``, ``scipy``, ``torch`` (``None`` if not
    installed), ``platform``, ``malloc`` (see `keep_freed_memory`) and
    ``load_average`` (1, 5, 15 minutes).
    """
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS, so that it is listed)

    blas = []
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        blas = [
            {
                "library": p.get("internal_api"),
                "version": p.get("version"),
                "kernel": p.get("architecture"),
                "threading": p.get("threading_layer"),
                "default_threads": p.get("num_threads"),
                "file": Path(p.get("filepath", "")).name,
            }
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        **_cpu(),
        "architecture": platform.machine(),
        "cores": cores,
        "blas": blas,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "torch": _version("torch"),
        "platform": platform.platform(),
        "malloc": _MALLOC,
        "load_average": [round(x, 2) for x in load],
    }


def blas_kernel() -> str:
    """The kernels the loaded BLAS libraries run (``"SkylakeX"``; ``"numpy: X, scipy: Y"`` if they differ; ``"unknown"`` without threadpoolctl).

    OpenBLAS picks them from the CPU, or from ``OPENBLAS_CORETYPE``.
    """
    kernels = {b["file"]: b["kernel"] or "unknown" for b in machine()["blas"]}
    if len(set(kernels.values())) == 1:
        return next(iter(kernels.values()))
    return ", ".join(f"{file}: {kernel}" for file, kernel in sorted(kernels.items())) or "unknown"
