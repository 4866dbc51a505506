/**
 * What changed around a root since an "as of" day, from the server's diffs of each side: the
 * graph drawn as of that day marks what has gone since, and lists what is new since (which
 * that graph cannot draw: it did not exist then).
 */

import type { DiffAsset, DiffEdge, LineageDiff } from "./types.ts";

export interface Changes {
  /** Qualified names of the tables that have left the walk since. */
  goneTables: Set<string>;
  /** `edgeKey(source, target)` of the edges that have left the walk since. */
  goneEdges: Set<string>;
  addedTables: DiffAsset[];
  addedEdges: DiffEdge[];
  removedTables: DiffAsset[];
  removedEdges: DiffEdge[];
}

export function edgeKey(source: string, target: string): string {
  return `${source}\u0000${target}`;
}

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** Both sides' diffs as one: a table or edge on both sides (a cycle) counts once. */
export function changesSince(diffs: LineageDiff[]): Changes {
  const byName = (asset: DiffAsset) => asset.qualifiedName;
  const byEdge = (edge: DiffEdge) => String(edge.edgeId);
  const removedTables = unique(diffs.flatMap((diff) => diff.removedAssets), byName);
  const removedEdges = unique(diffs.flatMap((diff) => diff.removedEdges), byEdge);
  return {
    goneTables: new Set(removedTables.map(byName)),
    goneEdges: new Set(removedEdges.map((edge) => edgeKey(edge.source, edge.target))),
    addedTables: unique(diffs.flatMap((diff) => diff.addedAssets), byName),
    addedEdges: unique(diffs.flatMap((diff) => diff.addedEdges), byEdge),
    removedTables,
    removedEdges,
  };
}

export const NO_CHANGES: Changes = changesSince([]);
