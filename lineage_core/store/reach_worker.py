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
"""

from __future__ import annotations

import pickle
import sys

from lineage_core.graph import bounded_reach, bounded_union, reverse


def main(source: str, target: str) -> None:
    with open(source, "rb") as file:
        adjacency, max_depth, positions, labels = pickle.load(file)
    counts = [reach.depth_counts for reach in bounded_reach(adjacency, max_depth, positions)]
    union = None if labels is None else bounded_union(reverse(adjacency), max_depth, labels)
    with open(target, "wb") as file:
        pickle.dump((counts, union), file, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main(*sys.argv[1:3])
