"""MkDocs hook: keep the API reference's source listings out of the search index.

Every page loads the search index, so its size is part of every page's weight.
mkdocstrings shows each object's source in a collapsed "Source code in ..."
block; that text repeats the docstring already indexed above it and roughly
doubled the index. Material's search skips any element marked
``data-search-exclude``; this hook marks the source blocks so. They still
render on the page.
"""

SOURCE_BLOCK = '<details class="mkdocstrings-source">'


def on_page_content(html, page, config, files):
    return html.replace(SOURCE_BLOCK, '<details class="mkdocstrings-source" data-search-exclude>')
