/** The data the graph's custom nodes and edges carry, and the actions they call back. */

import type { Edge, Node } from "@xyflow/react";
import { createContext } from "react";

import type { ColumnHighlight } from "../lib/columns.ts";
import type { MoreViewNode, TableViewNode, ViewEdge } from "../lib/visible.ts";

export type ColumnsState = string[] | "loading" | "error" | null;

export type TableNodeData = {
  view: TableViewNode;
  isRoot: boolean;
  columns: ColumnsState;
  highlight: ColumnHighlight;
  impactDepth: number | null;
  failed: boolean;
  /** Drawn as of a day, and no longer in the walk since. */
  gone: boolean;
  open: boolean;
};

export type MoreNodeData = { view: MoreViewNode };

export type TableFlowNode = Node<TableNodeData, "table">;
export type MoreFlowNode = Node<MoreNodeData, "more">;
export type FlowNode = TableFlowNode | MoreFlowNode;

export type LineageEdgeData = {
  view: ViewEdge | null;
  label: string;
  /** Column-to-column edge: the highlight state of its two ends. */
  column?: { highlighted: boolean; dimmed: boolean };
  impactDepth: number | null;
  showLabel: boolean;
  gone?: boolean;
};

export type LineageFlowEdge = Edge<LineageEdgeData, "lineage">;

export interface GraphActions {
  openTable: (node: TableViewNode) => void;
  makeRoot: (node: TableViewNode) => void;
  toggleColumns: (node: TableViewNode) => void;
  selectColumn: (table: string, column: string) => void;
  showMore: (level: string) => void;
  openEdge: (edge: ViewEdge) => void;
}

export const GraphActionsContext = createContext<GraphActions | null>(null);
