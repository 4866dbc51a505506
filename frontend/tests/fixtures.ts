/** Graph answers made up for the unit tests. */

import type { GraphEdge, GraphNode, LineageGraph } from "../src/lib/types.ts";

export function edge(source: string, target: string, job = "job", op = "op"): GraphEdge {
  return { source, target, workflowId: job, op, codeLocation: null, transformationType: null };
}

export function node(id: string, depth: number, direction?: GraphNode["direction"]): GraphNode {
  const result: GraphNode = { id, name: `t${id}`, qualifiedName: `db.s.t${id}`, type: "table", depth };
  if (direction) result.direction = direction;
  return result;
}

export function graph(
  nodes: GraphNode[],
  edges: GraphEdge[],
  direction: LineageGraph["direction"] = "downstream",
): LineageGraph {
  return {
    direction,
    rootAssetId: "0",
    root: "db.s.t0",
    maxDepth: 15,
    nodes,
    edges,
    totalNodes: nodes.length,
    truncated: false,
  };
}

/** A root, then `levels` levels of `width` tables, each feeding two of the next level. */
export function layered(levels: number, width: number): LineageGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  let next = 1;
  let previous = ["0"];
  for (let depth = 1; depth <= levels; depth++) {
    const level: string[] = [];
    for (let i = 0; i < width; i++) {
      const id = String(next++);
      level.push(id);
      nodes.push(node(id, depth));
    }
    previous.forEach((source, i) => {
      edges.push(edge(source, level[(2 * i) % width]!));
      edges.push(edge(source, level[(2 * i + 1) % width]!));
    });
    previous = level;
  }
  return graph(nodes, edges);
}
