"""The upstream half of a refresh's bitset pass, run in a second process.

``python -m lineage_core.store.reach_worker INPUT OUTPUT`` reads ``(adjacency, max_depth,
positions, labels)`` pickled in the file INPUT, ``adjacency`` being the upstream one, and
pickles into OUTPUT the per-node depth counts and, when ``labels`` is not None, their union
over each node's downstream (:func:`lineage_core.graph.bounded_union`).

A plain subprocess rather than ``multiprocessing``: spawning re-imports the caller's main
module (a script without a ``__main__`` guard would start refreshing again), and forking would
copy threads (the connection pool's, Dagster's gRPC ones) into a child that must not inherit
them. Files rather than pipes: the parent computes its own half meanwhile, and a pipe would
need a thread of the parent's to feed or drain it, starved of the GIL while the parent works.

The worker outlives nothing: if its parent dies (``kill -9`` of a refresh), it notices within
a fraction of a second, removes the folder its files are in (the parent can no longer) and
exits.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from lineage_core.graph import bounded_reach, bounded_union, reverse

Halves = tuple[list[list[int]], list[int] | None]  # upstream depth counts, label union


def upstream_half(
    adjacency: Sequence[Sequence[int]],
    max_depth: int,
    positions: Sequence[int],
    labels: Sequence[int] | None,
    progress: Callable[[int], None] | None = None,
) -> Halves:
    """What the second process computes; the store computes the same here when it has none."""
    reach = bounded_reach(adjacency, max_depth, positions, progress)
    union = None if labels is None else bounded_union(reverse(adjacency), max_depth, labels)
    return [entry.depth_counts for entry in reach], union


PARENT_CHECK_SECONDS = 0.2


def _exit_with_parent(parent: int, folder: Path) -> None:
    """Watch the parent; once it is gone (the worker is re-parented), clean up and exit."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            shutil.rmtree(folder, ignore_errors=True)
            os._exit(3)


def main(source: str, target: str) -> None:
    watchdog = threading.Thread(
        target=_exit_with_parent, args=(os.getppid(), Path(source).parent), daemon=True
    )
    watchdog.start()
    with open(source, "rb") as file:
        adjacency, max_depth, positions, labels = pickle.load(file)
    halves = upstream_half(adjacency, max_depth, positions, labels)
    with open(target, "wb") as file:
        pickle.dump(halves, file, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main(*sys.argv[1:3])
