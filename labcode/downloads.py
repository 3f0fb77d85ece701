"""What a reader takes away from the site: each chapter's code as one script, and labcode as a wheel.

A chapter's script holds the page's ``python`` blocks in order, as a plain
Python file: the ``>>>`` and ``...`` prompts are removed, a value the page
shows after a bare expression is printed (``print(repr(...))``), an example
that raises is wrapped in ``try``/``except`` and prints the error, and what
each line prints on the page is written under it as a comment that starts
with `OUTPUT_PREFIX` (``#>``). Each heading of the page opens a cell
(``# %% heading``), as editors that run scripts cell by cell expect.

The site offers the scripts and the wheel as download links whose target is
a ``data:`` URL, printed by blocks that the site builder runs while it
builds a page (markdown-exec), like the figures of `labcode.figures`::

    ```python exec="on" html="1"
    from labcode.downloads import script_link
    print(script_link("docs/chain-rule.md"))
    ```

so that they are made from the very page and code of the build, and need
no file beside the page. Relative paths are read from the folder of
``mkdocs.yml`` (the builder's working folder). Building the wheel needs
``hatchling`` (the ``docs`` extra), and nothing here is needed to run a
chapter.
"""

from __future__ import annotations

import ast
import base64
import builtins
import doctest
import html
import io
import os
import re
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OUTPUT_PREFIX", "page_script", "script_name", "data_link", "script_link", "wheel_link"]

#: The start of a comment line that shows what the code above it prints.
OUTPUT_PREFIX = "#> "

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_HEADING = re.compile(r"^(?P<level>#{1,6})[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_DIRECTIVE = re.compile(r"<!--+\s*(?P<name>invisible-code-block|clear-namespace|skip)\b(?P<rest>.*?)-->", re.DOTALL)
_PROMPT_DISPLAY = "print(repr("


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    kind: str  # "heading", "python", "output", "other" (another fence), "skip"
    text: str


def _root() -> Path:
    return Path(os.environ.get("MKDOCS_CONFIG_DIR") or Path.cwd())


def _pieces(text: str) -> list[_Piece]:
    """The headings, python and output fences and skip directives of a page, in order."""
    pieces: list[_Piece] = []
    fences = list(_FENCE.finditer(text))
    for match in fences:
        info = match.group("info").strip()
        indent = match.group("indent")
        body = "".join(line.removeprefix(indent) for line in match.group("body").splitlines(keepends=True))
        kind = info if info in ("python", "output") else "other"
        pieces.append(_Piece(match.start(), match.end(), kind, body))
    inside = [(m.start(), m.end()) for m in fences]
    for match in _HEADING.finditer(text):
        if not any(start <= match.start() < end for start, end in inside):
            pieces.append(_Piece(match.start(), match.end(), "heading", match.group("text")))
    for match in _DIRECTIVE.finditer(text):
        if match.group("name") != "skip" or match.group("rest").split()[:1] != ["next"]:
            raise ValueError(
                f"page_script does not handle the directive <!-- {match.group('name')}{match.group('rest')}-->: "
                "a script made without it would not run as the page does"
            )
        pieces.append(_Piece(match.start(), match.end(), "skip", match.group("rest").strip()))
    return sorted(pieces, key=lambda piece: piece.start)


def _comment(output: str) -> list[str]:
    """What a block prints, as comment lines (``#> ...``)."""
    lines = output.rstrip("\n").splitlines()
    return [(OUTPUT_PREFIX + line.replace("<BLANKLINE>", "")).rstrip() for line in lines]


def _shape(node: ast.AST | list[ast.stmt]) -> str:
    """The structure of ``node`` (or of a list of statements), without positions."""
    nodes = node if isinstance(node, list) else [node]
    return "; ".join(ast.dump(n, annotate_fields=False, include_attributes=False) for n in nodes)


def _trailing_comment(source: str) -> tuple[str, str]:
    """``source`` without a comment on its last line, and that comment (``""`` if none)."""
    last_line = source.count("\n") + 1
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and token.start[0] == last_line:
            lines = source.split("\n")
            lines[-1] = lines[-1][: token.start[1]].rstrip()
            return "\n".join(lines), token.string
    return source, ""


def _displayed(source: str, value: ast.expr) -> str:
    """``print(repr(<expression>))``: what the prompt shows after a bare expression, printed."""
    code, comment = _trailing_comment(source)
    for inner in (code, f"({code})"):  # a tuple without parentheses needs them inside repr()
        lines = inner.split("\n")
        script = _PROMPT_DISPLAY + "\n".join([lines[0], *(" " * len(_PROMPT_DISPLAY) + line for line in lines[1:])]) + "))"
        try:
            call = ast.parse(script).body[0].value
        except SyntaxError:
            continue
        if len(call.args[0].args) == 1 and _shape(call.args[0].args[0]) == _shape(value):
            return script + (f"  {comment}" if comment else "")
    raise ValueError(f"cannot print the value of this example as a script line:\n{source}")


def _caught(source: str, exc_msg: str) -> list[str]:
    """An example that raises, as a ``try`` block that prints the error the page shows."""
    name = exc_msg.split(":", 1)[0].strip()
    indented = "\n".join("    " + line if line else line for line in source.split("\n"))
    if isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), BaseException):
        handler = [f"except {name} as error:", f'    print("{name}:", error)']
    else:
        handler = ["except Exception as error:",
                   '    print(f"{type(error).__module__}.{type(error).__qualname__}: {error}")']
    script = "\n".join(["try:", indented, *handler])
    if _shape(ast.parse(script).body[0].body) != _shape(ast.parse(source).body):
        raise ValueError(f"cannot indent this example into a try block unchanged:\n{source}")
    return script.split("\n")


def _doctest_lines(body: str) -> list[str]:
    lines: list[str] = []
    for example in doctest.DocTestParser().get_examples(body):
        source = example.source.rstrip("\n")
        if example.exc_msg is not None:
            lines += _caught(source, example.exc_msg)
            lines += _comment(example.exc_msg)
            continue
        tree = ast.parse(source)
        statement = tree.body[0] if len(tree.body) == 1 else None
        is_print = (
            isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name) and statement.value.func.id == "print"
        )
        if isinstance(statement, ast.Expr) and example.want and not is_print:
            lines.append(_displayed(source, statement.value))
        else:
            lines += source.split("\n")
        lines += _comment(example.want)
    return lines


def _chapter_title(text: str) -> str:
    first = text.lstrip().split("\n", 1)[0]
    if not first.startswith("# "):
        raise ValueError(f"a page starts with its title ('# 6. ...'), not {first!r}")
    return first[2:].strip()


def page_script(text: str, name: str = "chapter.py") -> str:
    r"""One runnable script, named ``name`` in its header, from the Markdown ``text`` of a page: its ``python`` blocks in order.

    A block that starts with ``>>>`` loses its prompts; a bare expression
    whose value the page shows becomes ``print(repr(...))``; an example
    that raises becomes a ``try`` block that prints the error. Any other
    block is copied as it is. What the page shows each one print (its
    doctest output, or the ```` ```output ```` fence after it) follows as
    ``#>`` comments, and every heading starts a ``# %%`` cell. A block after
    ``<!-- skip: next -->`` is left out, as on the page; blocks that the
    builder runs (```` ```python exec="on" ````) and other fences are not part
    of the chapter's code.

    A `ValueError` is raised if the page does not start with a title
    (``# 6. ...``), holds an invisible code block or a ``clear-namespace`` or
    ``skip: start`` directive (a script could not run as the page does), or an
    example cannot be turned into script lines that mean the same.

    Examples
    --------
    >>> from labcode.downloads import page_script
    >>> page = '''# 1. A page
    ...
    ... ## Sums
    ...
    ... ```python
    ... >>> x = 2 ** 10
    ... >>> x + 1
    ... 1025
    ... >>> int("ten")
    ... Traceback (most recent call last):
    ... ...
    ... ValueError: invalid literal for int() with base 10: 'ten'
    ...
    ... ```
    ... '''
    >>> script = page_script(page, "chapter-01-a-page.py")
    >>> print(script.split("\n\n", 1)[1], end="")
    # %% Sums
    <BLANKLINE>
    x = 2 ** 10
    print(repr(x + 1))
    #> 1025
    try:
        int("ten")
    except ValueError as error:
        print("ValueError:", error)
    #> ValueError: invalid literal for int() with base 10: 'ten'
    """
    title = _chapter_title(text)
    lines = [
        f"# {title}",
        "#",
        "# Every code block of this chapter of labbook, in order, as one script. It",
        "# needs labcode (python -m pip install labcode-<version>-py3-none-any.whl).",
        f"# Run it with: python {name}",
        f'# A comment line that starts with "{OUTPUT_PREFIX.strip()}" shows what the code above it prints.',
    ]
    pieces = _pieces(text)
    skip_next = False
    heading = None
    for index, piece in enumerate(pieces):
        if piece.kind == "heading" and piece.text != title:  # the title is in the header already
            heading = piece.text
        elif piece.kind == "skip":
            skip_next = True
        elif piece.kind == "python":
            if skip_next:
                skip_next = False
                continue
            if heading is not None:
                lines += ["", f"# %% {heading}"]
                heading = None
            lines.append("")
            if piece.text.lstrip().startswith(">>>"):
                lines += _doctest_lines(piece.text)
            else:
                lines += piece.text.rstrip("\n").split("\n")
                following = pieces[index + 1] if index + 1 < len(pieces) else None
                if following is not None and following.kind == "output" and not text[piece.end : following.start].strip():
                    lines += _comment(following.text)
    return "\n".join(lines) + "\n"


def script_name(page: str | Path) -> str:
    """The file name of a chapter's script, from the chapter number in the title of the Markdown file ``page``.

    Examples
    --------
    >>> from labcode.downloads import script_name
    >>> script_name("docs/chain-rule.md")
    'chapter-03-chain-rule.py'
    """
    path = _root() / page
    title = _chapter_title(path.read_text(encoding="utf-8"))
    number = re.match(r"(\d+)\.\s", title)
    if not number:
        raise ValueError(f"{page}: the title {title!r} does not start with a chapter number ('6. ...')")
    return f"chapter-{int(number.group(1)):02d}-{path.stem}.py"


def data_link(filename: str, data: bytes, mime: str) -> str:
    """A button (``md-button``) that downloads ``data`` as ``filename``, the file carried in a ``data:`` URL of type ``mime``.

    Examples
    --------
    >>> from labcode.downloads import data_link
    >>> data_link("a", b"hi", "text/plain").split(" href=")[1]
    '"data:text/plain;base64,aGk=">a</a>'
    """
    name = html.escape(filename, quote=True)
    encoded = base64.b64encode(data).decode("ascii")
    return f'<a class="md-button md-button--primary" download="{name}" href="data:{mime};base64,{encoded}">{name}</a>'


def _size(data: bytes) -> str:
    return f"{len(data) / 1000:.0f}\u00a0kB" if len(data) >= 1000 else f"{len(data)}\u00a0bytes"


def script_link(page: str | Path, install: str = "../#get-the-code") -> str:
    """The *Run this chapter yourself* box: an HTML admonition offering the chapter ``page`` as one script (`page_script`).

    ``page`` is relative to the folder of ``mkdocs.yml`` and ``install`` (where
    the site says how to install labcode) relative to the page. The box is left
    out of the site's search index: it is the same on every chapter.
    """
    name = script_name(page)
    script = page_script((_root() / page).read_text(encoding="utf-8"), name).encode("utf-8")
    return (
        '<div class="admonition example labbook-download" data-search-exclude>\n'
        '<p class="admonition-title">Run this chapter yourself</p>\n'
        f"<p>{data_link(name, script, 'text/x-python;charset=utf-8')}</p>\n"
        f"<p>Every code block of this page, in order, as one script ({_size(script)}): no prompts, and "
        f"what each line prints written under it as a <code>{html.escape(OUTPUT_PREFIX.strip())}</code> "
        f'comment. It needs <code>labcode</code>: <a href="{html.escape(install, quote=True)}">get the '
        "code</a>.</p>\n</div>"
    )


def wheel_link(root: str | Path = ".") -> str:
    """Build the wheel of the project at ``root`` now, and an HTML paragraph that offers it with its size.

    The wheel is built by hatchling, the project's build backend, in a
    temporary folder; its bytes are the same on every build of the same files
    (hatchling's reproducible builds). ``root`` is relative to the folder of
    ``mkdocs.yml``.
    """
    from hatchling.builders.wheel import WheelBuilder

    with tempfile.TemporaryDirectory() as folder:
        [built] = WheelBuilder(str((_root() / root).resolve())).build(directory=folder, versions=["standard"])
        path = Path(built)
        data = path.read_bytes()
    return f'<p class="labbook-download">{data_link(path.name, data, "application/zip")} {_size(data)}</p>'
