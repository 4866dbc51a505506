"""Named connections (the design document's connectors), shared by Dagster and the CLI.

Profiling reaches a table through a named connection: a database URL or a file location.
The names live in the ``LINEAGE_CONNECTIONS`` environment variable (a JSON object of
name -> URL), which both the ``lineage`` resource and the ``lineage`` command read, so a name
means the same thing in a scheduled run and at a shell. URLs may carry credentials: they are
never written to the lineage store, only the connection's name is.
"""

from __future__ import annotations

import json
import os

from lineage_core.errors import InvalidArgument

CONNECTIONS_ENV = "LINEAGE_CONNECTIONS"


def named_connections(text: str | None = None) -> dict[str, str]:
    """The connections in ``text`` (default: ``$LINEAGE_CONNECTIONS``)."""
    text = os.environ.get(CONNECTIONS_ENV, "") if text is None else text
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"{CONNECTIONS_ENV} is not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidArgument(f"{CONNECTIONS_ENV} must be a JSON object of name -> URL")
    return value
