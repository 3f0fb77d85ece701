"""MkDocs hook: draw every figure registered in labcode.figures into the site.

Each figure becomes a file ``figures/<name>`` of the build, generated from code
on every ``mkdocs build`` and ``mkdocs serve``, so pages can link to it and it
can never go stale.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from mkdocs.structure.files import File  # noqa: E402

from labcode.figures import registry, render_svg  # noqa: E402


def on_files(files, config):
    for name, draw in registry().items():
        files.append(File.generated(config, f"figures/{name}", content=render_svg(draw())))
    return files
