"""The upstream direction of a refresh's passes, run in a second process.

:func:`command` ``(INPUT, OUTPUT)`` is the process that reads ``(sources, targets,
asset_ids, positions, max_depth, level_ends)`` pickled in the file INPUT (the edges as two
arrays of asset numbers, the assets' ids, the level order and where its levels end) and
pickles into OUTPUT the upstream :class:`~lineage_core.reach.DirectionCounts`. Arrays, not
lists of lists: they pickle as buffers, and the worker builds its own adjacency while the
parent builds its own.

A plain subprocess rather than ``multiprocessing``: spawning re-imports the caller's main
module (a script without a ``__main__`` guard would start refreshing again), and forking would
copy threads (the connection pool's, Dagster's gRPC ones) into a child that must not inherit
them. Files rather than pipes: the parent computes its own half meanwhile, and a pipe would
need a thread of the parent's to feed or drain it, starved of the GIL while the parent works.

The worker outlives nothing: if its parent dies (``kill -9`` of a refresh), it notices within
a fraction of a second, removes the folder its files are in (the parent can no longer) and
exits. It watches from its first line: importing this package takes most of a second, and a
parent killed meanwhile would otherwise leave the worker computing to the end.
"""

from __future__ import annotations

import gc
import pickle
import sys
from collections.abc import Callable, Sequence

from lineage_core.graph import adjacency_lists
from lineage_core.reach import DirectionCounts, direction_counts


def upstream_counts(
    sources: Sequence[int],
    targets: Sequence[int],
    asset_ids: Sequence[int],
    positions: Sequence[int],
    max_depth: int,
    level_ends: Sequence[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> DirectionCounts:
    """What the second process computes; the store computes the same here when it has none."""
    down, up = adjacency_lists(sources, targets, len(asset_ids))
    return direction_counts(
        up, down, max_depth, asset_ids, positions, progress=progress, level_ends=level_ends
    )


PARENT_CHECK_SECONDS = 0.2

# Run with ``python -c``: the watch starts before anything of this package is imported.
_BOOTSTRAP = f"""
import os, shutil, sys, threading, time
parent, folder = os.getppid(), os.path.dirname(sys.argv[1])
def watch():
    while True:
        time.sleep({PARENT_CHECK_SECONDS})
        if os.getppid() != parent:
            shutil.rmtree(folder, ignore_errors=True)
            os._exit(3)
threading.Thread(target=watch, daemon=True).start()
from lineage_core.store.reach_worker import main
main(*sys.argv[1:3])
"""


def command(source: str, target: str) -> list[str]:
    """The worker's command line: it reads ``source`` and writes ``target``, files in a
    folder of their own that it removes if its parent dies first."""
    return [sys.executable, "-c", _BOOTSTRAP, source, target]


def main(source: str, target: str) -> None:
    gc.disable()  # millions of lists, none of them garbage (see refresh.refresh_impact_cache)
    with open(source, "rb") as file:
        inputs = pickle.load(file)
    counts = upstream_counts(*inputs)
    with open(target, "wb") as file:
        pickle.dump(counts, file, protocol=pickle.HIGHEST_PROTOCOL)
