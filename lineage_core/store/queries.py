"""Named SQL blocks, loaded once per backend from ``sql/<backend>/queries.sql``.

Keeping SQL in ``.sql`` files (``-- name: select_children`` introduces a block) lets each
backend speak its own dialect while the store's Python code names queries, never builds them.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_BLOCK = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


@cache
def load_queries(backend: str) -> dict[str, str]:
    text = resources.files("lineage_core.store").joinpath("sql", backend, "queries.sql").read_text()
    names = _BLOCK.findall(text)
    bodies = _BLOCK.split(text)[2::2]
    queries = {name: body.strip().rstrip(";") for name, body in zip(names, bodies, strict=True)}
    if len(queries) != len(names):
        raise RuntimeError(f"duplicate query names in the {backend} queries")
    return queries


@cache
def load_migrations(backend: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration file ``NNNN_name.sql``, in order."""
    folder = resources.files("lineage_core.store").joinpath("sql", backend)
    found = []
    for entry in folder.iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text()))
    return sorted(found)
