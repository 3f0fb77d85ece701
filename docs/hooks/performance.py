"""MkDocs hook: fill the performance page's tables from the committed results file.

A line ``<!-- bench-table: NAME -->`` on a page becomes the table of the
benchmark ``NAME`` (`labcode.bench.report.markdown_table`), and
``<!-- bench-machine -->`` the machine and date it ran on. Both read
``docs/data/performance.json``, so the page always shows what the file holds;
an unknown name fails the build.
"""

import re

from labcode.bench.report import load_results, machine_table, markdown_table

_MARK = re.compile(r"^<!-- bench-(table: (?P<name>[\w-]+)|machine) -->[ \t]*$", re.MULTILINE)


def on_page_markdown(markdown, page, config, files):
    if "<!-- bench-" not in markdown:
        return markdown
    results = load_results()

    def fill(match):
        name = match.group("name")
        if name is None:
            return machine_table(results)
        if name not in results["benchmarks"]:
            raise ValueError(
                f"{page.file.src_uri}: no benchmark {name!r} in the results file; "
                f"it has {sorted(results['benchmarks'])}"
            )
        return markdown_table(results["benchmarks"][name])

    return _MARK.sub(fill, markdown)
