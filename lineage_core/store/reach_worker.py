"""The upstream half of a refresh's bitset pass, run in a second process.

``python -m lineage_core.store.reach_worker`` reads ``(adjacency, max_depth, positions)``
pickled on stdin and writes the per-node depth counts pickled on stdout. A plain subprocess
rather than ``multiprocessing``: spawning re-imports the caller's main module (a script without
a ``__main__`` guard would start refreshing again), and forking would copy threads (the
connection pool's, Dagster's gRPC ones) into a child that must not inherit them.
"""

from __future__ import annotations

import pickle
import sys

from lineage_core.graph import bounded_reach


def main() -> None:
    adjacency, max_depth, positions = pickle.load(sys.stdin.buffer)
    counts = [reach.depth_counts for reach in bounded_reach(adjacency, max_depth, positions)]
    pickle.dump(counts, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
