/** The layered layout (dagre, left to right: sources on the left) of the drawn graph. */

import dagre, { type graphlib } from "@dagrejs/dagre";

export const NODE_WIDTH = 240;
export const HEADER_HEIGHT = 50;
export const COLUMN_ROW_HEIGHT = 22;
export const COLUMNS_PADDING = 8;
export const MORE_HEIGHT = 44;

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  source: string;
  target: string;
  /** Drawn halfway between the two tables: the gap between layers makes room for it. */
  label?: string;
}

/** The gap between layers: room for the longest edge label, within these bounds. */
export const MIN_RANK_GAP = 150;
export const MAX_RANK_GAP = 320;
const LABEL_CHAR_WIDTH = 6.2; // px per character of the 10px label font
const LABEL_MARGIN = 56; // the label's padding, and the arrow and handles either side

/** The widest a label is drawn; a longer one ends in an ellipsis (its panel has it all). */
export const LABEL_MAX_WIDTH = MAX_RANK_GAP - LABEL_MARGIN;

export function rankGap(edges: LayoutEdge[]): number {
  let longest = 0;
  for (const edge of edges) longest = Math.max(longest, edge.label?.length ?? 0);
  const wanted = Math.ceil(longest * LABEL_CHAR_WIDTH + LABEL_MARGIN);
  return Math.min(MAX_RANK_GAP, Math.max(MIN_RANK_GAP, wanted));
}

export interface Position {
  x: number;
  y: number;
}

/** The height of a table node: its header, and its column rows when expanded. */
export function tableNodeHeight(columnRows: number | null): number {
  if (columnRows === null) return HEADER_HEIGHT;
  return HEADER_HEIGHT + COLUMNS_PADDING + Math.max(columnRows, 1) * COLUMN_ROW_HEIGHT;
}

/** Graphs above this many nodes get dagre's cheaper ranker and a plain barycentre ordering. */
export const LARGE_GRAPH = 150;

/**
 * Top-left positions by node id. Large graphs are ranked by longest path and ordered by a few
 * barycentre sweeps instead of dagre's network simplex and crossing minimisation, which take
 * seconds on 500 nodes; the layers and the positioning are dagre's either way.
 */
export function layoutGraph(nodes: LayoutNode[], edges: LayoutEdge[]): Map<string, Position> {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({
    rankdir: "LR",
    ranksep: rankGap(edges),
    nodesep: 14,
    edgesep: 8,
    marginx: 20,
    marginy: 20,
    ranker: nodes.length > LARGE_GRAPH ? "longest-path" : "network-simplex",
  });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of edges) {
    if (edge.source !== edge.target && graph.hasNode(edge.source) && graph.hasNode(edge.target)) {
      graph.setEdge(edge.source, edge.target);
    }
  }
  dagre.layout(graph, nodes.length > LARGE_GRAPH ? { customOrder: barycentreOrder } : {});
  const positions = new Map<string, Position>();
  for (const node of nodes) {
    const placed = graph.node(node.id) as { x: number; y: number } | undefined;
    positions.set(node.id, {
      x: Math.round((placed?.x ?? 0) - node.width / 2),
      y: Math.round((placed?.y ?? 0) - node.height / 2),
    });
  }
  return positions;
}

type RankedGraph = graphlib.Graph<unknown, { rank?: number; order?: number }>;

/** Order each layer by the mean position of its neighbours in the layer before, both ways. */
function barycentreOrder(graph: RankedGraph): void {
  const layers: string[][] = [];
  for (const id of graph.nodes()) {
    const rank = graph.node(id).rank ?? 0;
    (layers[rank] ??= []).push(id);
  }
  const position = new Map<string, number>();
  const predecessors = new Map<string, string[]>();
  const successors = new Map<string, string[]>();
  for (const layer of layers) {
    layer?.forEach((id, index) => {
      position.set(id, index);
      predecessors.set(id, graph.predecessors(id) ?? []);
      successors.set(id, graph.successors(id) ?? []);
    });
  }
  const sweep = (downwards: boolean) => {
    const neighbours = downwards ? predecessors : successors;
    for (let step = 1; step < layers.length; step++) {
      const layer = layers[downwards ? step : layers.length - 1 - step];
      if (!layer) continue;
      const key = new Map<string, number>();
      for (const id of layer) {
        const around = neighbours.get(id)!;
        let sum = 0;
        for (const other of around) sum += position.get(other) ?? 0;
        key.set(id, around.length ? sum / around.length : position.get(id)!);
      }
      layer.sort((a, b) => key.get(a)! - key.get(b)!);
      layer.forEach((id, index) => position.set(id, index));
    }
  };
  for (let pass = 0; pass < 4; pass++) sweep(pass % 2 === 0);
  for (const layer of layers) layer?.forEach((id, index) => (graph.node(id).order = index));
}
