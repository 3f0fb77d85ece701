"""pytest plugin for the numerical-environment matrix (``-p numeric_only``).

Keeps the Sybil examples and the numeric tests and deselects every test that
needs the built site or a browser, so that each cell of the matrix runs only
what a BLAS kernel or a SIMD path could change.
"""

from __future__ import annotations

import pytest

#: Fixtures that mean "this test reads the built site".
SITE_FIXTURES = {"built_site", "page_reports", "browser"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, dropped = [], []
    for item in items:
        needs_site = SITE_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser")
        (dropped if needs_site else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
