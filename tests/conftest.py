"""Loads the suite's hypothesis profile (see `tests.hypothesis_profiles`) and sizes each test's examples by it.

The site tests' hooks and fixtures are the plugin `tests.site.plugin`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.hypothesis_profiles import EXAMPLE_SHARE, examples_to_run, profile_for


def _size_examples(items: list[pytest.Item]) -> None:
    """Scale every hypothesis test's ``max_examples`` by the share of the loaded profile."""
    share = EXAMPLE_SHARE.get(settings._current_profile, 1.0)  # noqa: SLF001 - the profile's name
    if share == 1.0:
        return
    for item in items:
        test = getattr(item, "function", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is not None and getattr(test, "is_hypothesis_test", False) and not getattr(test, "_labbook_sized", False):
            test._hypothesis_internal_use_settings = settings(
                current, max_examples=examples_to_run(current.max_examples, share))
            test._labbook_sized = True


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hypothesis_profile", None) is None:  # --hypothesis-profile=NAME wins
        settings.load_profile(profile_for(os.environ.get("CI", "").lower() == "true"))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    _size_examples(items)
