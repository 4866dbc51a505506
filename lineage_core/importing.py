"""Reading edges from JSON Lines (``lineage import``), one edge per line.

Every line is validated before anything is written, so a file with a bad line changes
nothing unless the caller chooses to skip invalid lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import ValidationError

from lineage_core.errors import ImportFileError
from lineage_core.models import EdgeIn

FIELDS = set(EdgeIn.model_fields) | {
    field.alias for field in EdgeIn.model_fields.values() if field.alias
}


def parse_edge_lines(
    lines: Iterable[str], *, skip_invalid: bool = False
) -> tuple[list[EdgeIn], list[tuple[int, str]]]:
    """Edges and the (line number, reason) of each invalid line.

    Raises ``ImportFileError`` on the first pass if any line is invalid and
    ``skip_invalid`` is false.
    """
    edges: list[EdgeIn] = []
    problems: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            edges.append(_parse(text))
        except ValueError as exc:
            problems.append((number, str(exc)))
    if problems and not skip_invalid:
        raise ImportFileError(problems)
    return edges, problems


def _parse(text: str) -> EdgeIn:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    try:
        return EdgeIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "edge"
        cause = first.get("ctx", {}).get("error")
        raise ValueError(f"{where}: {cause or first['msg']}") from None
