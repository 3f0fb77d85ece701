"""The suite's hypothesis profiles, in one place: a reader's run, CI's run and a mutation run.

Tests set only ``max_examples`` (where they need more or fewer than 100); the
rest comes from here. No deadline and no "too slow" health check: this
machine is shared, and a garbage-collector pause of several hundred
milliseconds inside one example is a timing, not a bug.

* ``labbook`` (a reader's ``python -m pytest``): new examples on every run,
  failures kept in ``.hypothesis/``, and a quarter of each test's examples
  (at least 10, or all if fewer; see `examples_to_run`), so the suite stays quick.
* ``labbook-ci`` (under ``CI=true``, as ``.ci/run`` sets): every example,
  derandomized, so every CI run tries the same ones and a failure reproduces.
* ``mutation`` (``-p tests.mutation_plugin``): at most ``max_examples`` per
  test, derandomized and without shrinking: a mutant needs one failure, not
  the smallest.

Either way a failing example is printed with the blob that replays it
(``@reproduce_failure``); keep it in the test as an ``@example``.
``--hypothesis-profile=labbook-ci`` runs the full count locally.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

settings.register_profile("labbook", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("labbook-ci", settings.get_profile("labbook"), derandomize=True, database=None)

#: The share of each test's examples that a profile runs.
EXAMPLE_SHARE = {"labbook": 0.25, "labbook-ci": 1.0}


def examples_to_run(asked: int, share: float) -> int:
    """Of the ``asked`` examples of a test, how many a profile with ``share`` runs: at least 10 (all if fewer)."""
    return max(min(asked, 10), round(asked * share))


def register_mutation_profile(max_examples: int) -> settings:
    """The ``mutation`` profile: ``labbook``'s settings, at most ``max_examples`` examples, no shrinking."""
    settings.register_profile(
        "mutation",
        settings.get_profile("labbook"),
        max_examples=max_examples,
        derandomize=True,
        database=None,
        print_blob=False,
        phases=[Phase.explicit, Phase.generate],
    )
    return settings.get_profile("mutation")


def profile_for(ci: bool) -> str:
    """The profile a run loads when none is named: ``labbook-ci`` under CI, else ``labbook``."""
    return "labbook-ci" if ci else "labbook"
