"""The ``lineage`` command: the store's questions from a shell.

Human-readable tables by default; ``--json`` prints the design document's response shapes.
Every error this library raises on purpose becomes one line on stderr and a non-zero exit,
never a traceback. The group and what its commands share are in :mod:`.app`; the commands,
by concern, in :mod:`.lineage`, :mod:`.profiles`, :mod:`.tenants` and :mod:`.remove`.
"""

from __future__ import annotations

from lineage_core.cli import lineage, profiles, remove, tenants  # noqa: F401 (they add the commands)
from lineage_core.cli.app import main
from lineage_core.sql_cli import sql_command

main.add_command(sql_command)

__all__ = ["main"]
