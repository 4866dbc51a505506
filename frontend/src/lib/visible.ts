/**
 * Which nodes of a lineage graph are drawn: each level (a side of the root and a depth) shows
 * at most `perLevel` nodes, the rest behind one "show N more" node, so a table read by
 * thousands stays a graph a browser can draw. Nodes next to drawn nodes go first, then by name.
 */

import type { GraphEdge, GraphNode, LineageGraph } from "./types.ts";

export const PER_LEVEL = 50;

export type Side = "root" | "upstream" | "downstream" | "both";

export interface TableViewNode {
  kind: "table";
  id: string;
  name: string;
  qualifiedName: string;
  type: string;
  depth: number;
  side: Side;
  level: string;
}

export interface MoreViewNode {
  kind: "more";
  id: string;
  level: string;
  side: Side;
  depth: number;
  hidden: number;
}

export type ViewNode = TableViewNode | MoreViewNode;

export interface ViewEdge {
  id: string;
  source: string;
  target: string;
  /** The graph's edges between the two tables: one per (job, op, code location). */
  runs: GraphEdge[];
  /** An edge into or out of a "show N more" node. */
  toMore: boolean;
}

export interface VisibleGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  hiddenCount: number;
}

export function levelKey(side: Side, depth: number): string {
  return side === "root" ? "root" : `${side === "upstream" ? "up" : "down"}:${depth}`;
}

export function moreNodeId(level: string): string {
  return `more:${level}`;
}

export function rootNode(graph: LineageGraph): TableViewNode {
  const parts = graph.root.split(".");
  return {
    kind: "table",
    id: graph.rootAssetId,
    name: parts[parts.length - 1] ?? graph.root,
    qualifiedName: graph.root,
    type: "table",
    depth: 0,
    side: "root",
    level: "root",
  };
}

/** The side of the root each node lies on: given by the server in `full`, else walked. */
export function sidesOf(graph: LineageGraph): Map<string, Side> {
  const sides = new Map<string, Side>();
  if (graph.direction !== "full") {
    for (const node of graph.nodes) sides.set(node.id, graph.direction);
    return sides;
  }
  const missing = graph.nodes.some((node) => !node.direction);
  const walked = missing ? walkSides(graph) : new Map<string, Side>();
  for (const node of graph.nodes) {
    sides.set(node.id, node.direction ?? walked.get(node.id) ?? "downstream");
  }
  return sides;
}

function walkSides(graph: LineageGraph): Map<string, Side> {
  const out = new Map<string, string[]>();
  const into = new Map<string, string[]>();
  for (const edge of graph.edges) {
    (out.get(edge.source) ?? out.set(edge.source, []).get(edge.source)!).push(edge.target);
    (into.get(edge.target) ?? into.set(edge.target, []).get(edge.target)!).push(edge.source);
  }
  const reach = (next: Map<string, string[]>) => {
    const seen = new Set<string>([graph.rootAssetId]);
    const queue = [graph.rootAssetId];
    for (let i = 0; i < queue.length; i++) {
      for (const id of next.get(queue[i]!) ?? []) {
        if (!seen.has(id)) {
          seen.add(id);
          queue.push(id);
        }
      }
    }
    return seen;
  };
  const down = reach(out);
  const up = reach(into);
  const sides = new Map<string, Side>();
  for (const node of graph.nodes) {
    const isDown = down.has(node.id);
    const isUp = up.has(node.id);
    sides.set(node.id, isDown && isUp ? "both" : isUp ? "upstream" : "downstream");
  }
  return sides;
}

/** Group parallel edges (one per job and op) into one drawn edge per pair of tables. */
export function pairEdges(edges: GraphEdge[]): Map<string, GraphEdge[]> {
  const pairs = new Map<string, GraphEdge[]>();
  for (const edge of edges) {
    const key = `${edge.source}->${edge.target}`;
    const list = pairs.get(key);
    if (list) list.push(edge);
    else pairs.set(key, [edge]);
  }
  return pairs;
}

/**
 * The drawn part of `graph`. `shown` gives, per level, how many nodes the user asked to see
 * (default `perLevel`); `pinned` nodes are always drawn (the selected table, for instance).
 */
export function visibleGraph(
  graph: LineageGraph,
  shown: ReadonlyMap<string, number> = new Map(),
  pinned: ReadonlySet<string> = new Set(),
  perLevel: number = PER_LEVEL,
): VisibleGraph {
  const root = rootNode(graph);
  const sides = sidesOf(graph);
  const levels = new Map<string, TableViewNode[]>();
  for (const node of graph.nodes) {
    if (node.id === root.id) continue;
    const side = sides.get(node.id) ?? "downstream";
    const level = levelKey(side === "both" ? "downstream" : side, node.depth);
    const viewNode = tableViewNode(node, side, level);
    const list = levels.get(level);
    if (list) list.push(viewNode);
    else levels.set(level, [viewNode]);
  }
  const neighbours = new Map<string, string[]>();
  for (const edge of graph.edges) {
    (neighbours.get(edge.source) ?? neighbours.set(edge.source, []).get(edge.source)!).push(
      edge.target,
    );
    (neighbours.get(edge.target) ?? neighbours.set(edge.target, []).get(edge.target)!).push(
      edge.source,
    );
  }
  const drawn = new Set<string>([root.id]);
  const nodes: ViewNode[] = [root];
  const hiddenLevel = new Map<string, string>();
  let hiddenCount = 0;
  const ordered = [...levels.entries()].sort(
    ([, a], [, b]) => a[0]!.depth - b[0]!.depth || a[0]!.side.localeCompare(b[0]!.side),
  );
  for (const [level, members] of ordered) {
    const limit = Math.max(perLevel, shown.get(level) ?? perLevel);
    const rank = (node: TableViewNode) =>
      pinned.has(node.id) ? 0 : (neighbours.get(node.id) ?? []).some((id) => drawn.has(id)) ? 1 : 2;
    const sorted = members
      .map((node) => ({ node, rank: rank(node) }))
      .sort((a, b) => a.rank - b.rank || compareNames(a.node, b.node))
      .map(({ node }) => node);
    const kept = sorted.filter((node, index) => index < limit || pinned.has(node.id));
    for (const node of kept) {
      drawn.add(node.id);
      nodes.push(node);
    }
    const hidden = sorted.length - kept.length;
    if (hidden > 0) {
      hiddenCount += hidden;
      const first = members[0]!;
      nodes.push({
        kind: "more",
        id: moreNodeId(level),
        level,
        side: first.side === "both" ? "downstream" : first.side,
        depth: first.depth,
        hidden,
      });
      for (const node of sorted) if (!drawn.has(node.id)) hiddenLevel.set(node.id, level);
    }
  }
  const edges: ViewEdge[] = [];
  const moreEdges = new Set<string>();
  for (const [key, runs] of pairEdges(graph.edges)) {
    const { source, target } = runs[0]!;
    if (drawn.has(source) && drawn.has(target)) {
      edges.push({ id: `e:${key}`, source, target, runs, toMore: false });
      continue;
    }
    const from = drawn.has(source) ? source : hiddenLevel.get(source);
    const to = drawn.has(target) ? target : hiddenLevel.get(target);
    if (!from || !to || from === to) continue;
    const ends = [from, to].map((end) => (drawn.has(end) ? end : moreNodeId(end)));
    const id = `m:${ends[0]}->${ends[1]}`;
    // Only edges between a drawn table and a hidden one: hidden to hidden stays hidden.
    if ((drawn.has(from) || drawn.has(to)) && !moreEdges.has(id)) {
      moreEdges.add(id);
      edges.push({ id, source: ends[0]!, target: ends[1]!, runs: [], toMore: true });
    }
  }
  return { nodes, edges, hiddenCount };
}

function tableViewNode(node: GraphNode, side: Side, level: string): TableViewNode {
  return {
    kind: "table",
    id: node.id,
    name: node.name,
    qualifiedName: node.qualifiedName,
    type: node.type,
    depth: node.depth,
    side,
    level,
  };
}

function compareNames(a: TableViewNode, b: TableViewNode): number {
  return a.qualifiedName < b.qualifiedName ? -1 : a.qualifiedName > b.qualifiedName ? 1 : 0;
}

/** The label of a drawn edge: its job and op, and how many other jobs write the same pair. */
export function edgeLabel(runs: GraphEdge[]): string {
  const first = runs[0];
  if (!first) return "";
  const label = [first.workflowId, first.op].filter(Boolean).join(" / ") || "edge";
  return runs.length > 1 ? `${label} +${runs.length - 1}` : label;
}
