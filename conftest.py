"""Root conftest: Sybil collects every page in docs/ and every docstring in labcode/.

The wiring lives in tests/docs_harness.py so that the policy tests can use the
very same configuration.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# One BLAS thread for the tests and the site build they start: the arrays are
# small, and on a busy machine OpenBLAS threads spin and make the suite several
# times slower. Set before numpy is imported (and inherited by subprocesses).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from tests.docs_harness import pytest_collect_file, skip_directives  # noqa: E402,F401

#: The site tests' hooks and the fixture `built_site`, which tests outside tests/site/ use too.
pytest_plugins = ["tests.site.plugin"]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """List every skip directive in the docs, with its reason, after each run."""
    skips = skip_directives()
    terminalreporter.write_sep("-", f"skip directives in docs/: {len(skips)}")
    for skip in skips:
        terminalreporter.write_line(f"{skip.where}: {skip.reason}")
