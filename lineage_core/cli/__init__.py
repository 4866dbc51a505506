"""The ``lineage`` command: the store's questions from a shell.

Human-readable tables by default; ``--json`` prints the design document's response shapes.
Every error this library raises on purpose becomes one line on stderr and a non-zero exit,
never a traceback. The group and what its commands share are in :mod:`.app`; the commands,
by concern, in :mod:`.lineage`, :mod:`.history`, :mod:`.profiles`, :mod:`.tenants`,
:mod:`.remove`, :mod:`.tokens`, :mod:`.openlineage` and :mod:`.serve`.
"""

from __future__ import annotations

# Each module adds its commands to the group.
from lineage_core.cli import (  # noqa: F401
    check,
    history,
    lineage,
    openlineage,
    profiles,
    remove,
    serve,
    tenants,
    tokens,
)
from lineage_core.cli.app import main
from lineage_core.sql_cli import sql_command

main.add_command(sql_command)

__all__ = ["main"]
