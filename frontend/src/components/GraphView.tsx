import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type EdgeChange,
  type NodeTypes,
  type EdgeTypes,
  type ReactFlowState,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef } from "react";

import { columnKey, type ColumnHighlight, type ColumnIndex } from "../lib/columns.ts";
import { edgeKey } from "../lib/changes.ts";
import { layoutGraph, MORE_HEIGHT, NODE_WIDTH, tableNodeHeight, type LayoutNode } from "../lib/layout.ts";
import { edgeLabel, type VisibleGraph } from "../lib/visible.ts";
import {
  GraphActionsContext,
  type ColumnsState,
  type FlowNode,
  type GraphActions,
  type LineageFlowEdge,
} from "./graphTypes.ts";
import { LineageEdge } from "./LineageEdge.tsx";
import { MoreNode } from "./MoreNode.tsx";
import { TableNode } from "./TableNode.tsx";

const nodeTypes: NodeTypes = { table: TableNode, more: MoreNode };
const edgeTypes: EdgeTypes = { lineage: LineageEdge };

/** Edge labels are drawn for graphs up to this many edges, or once zoomed in enough to read. */
const LABELLED_EDGES = 150;
const LABEL_ZOOM = 0.6;
const FIT_VIEW = { padding: 0.08, maxZoom: 1.1 };
/** After a panel opened: the whole graph if it stays readable, else its middle, readable. */
const REFIT_VIEW = { ...FIT_VIEW, minZoom: 0.45 };

export interface GraphViewProps {
  visible: VisibleGraph;
  columns: ReadonlyMap<string, ColumnsState>;
  columnIndex: ColumnIndex;
  highlight: ColumnHighlight;
  impactDepths: ReadonlyMap<string, number> | null;
  failed: ReadonlySet<string>;
  /** Tables and edges (`edgeKey` of qualified names) gone since the day drawn. */
  goneTables: ReadonlySet<string>;
  goneEdges: ReadonlySet<string>;
  openTableId: string | null;
  selectedEdgeId: string | null;
  actions: GraphActions;
  /** `performance.now()` when the graph's data arrived; the first drawing is measured from it. */
  dataAt: number | null;
}

function rowsOf(state: ColumnsState | undefined): number | null {
  if (state === undefined || state === null) return null;
  return Array.isArray(state) ? state.length : 1;
}

/** Nodes are neither selectable nor draggable, but their buttons take clicks. */
const INTERACTIVE = { pointerEvents: "all" } as const;

const zoomedIn = (state: ReactFlowState) => state.transform[2] >= LABEL_ZOOM;

function FlowGraph(props: GraphViewProps) {
  const { visible, columns, columnIndex, highlight, impactDepths, failed, goneTables, goneEdges } = props;
  const readable = useStore(zoomedIn);

  const heightKey = visible.nodes
    .map((node) => `${node.id}:${node.kind === "table" ? rowsOf(columns.get(node.qualifiedName)) : "m"}`)
    .join(",");
  const positions = useMemo(() => {
    const nodes: LayoutNode[] = visible.nodes.map((node) => ({
      id: node.id,
      width: NODE_WIDTH,
      height: node.kind === "more" ? MORE_HEIGHT : tableNodeHeight(rowsOf(columns.get(node.qualifiedName))),
    }));
    const edges = visible.edges.map((edge) => ({ ...edge, label: edgeLabel(edge.runs) }));
    return layoutGraph(nodes, edges);
    // The layout changes with the drawn nodes and their heights only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [visible, heightKey]);

  const nodes: FlowNode[] = useMemo(
    () =>
      visible.nodes.map((node): FlowNode => {
        const position = positions.get(node.id) ?? { x: 0, y: 0 };
        if (node.kind === "more") {
          return {
            id: node.id,
            type: "more",
            position,
            width: NODE_WIDTH,
            height: MORE_HEIGHT,
            data: { view: node },
            style: INTERACTIVE,
            selectable: false,
            focusable: false,
          };
        }
        const state = columns.get(node.qualifiedName) ?? null;
        const impactDepth =
          impactDepths && node.side !== "root" && node.side !== "upstream"
            ? (impactDepths.get(node.id) ?? node.depth)
            : null;
        return {
          id: node.id,
          type: "table",
          position,
          width: NODE_WIDTH,
          height: tableNodeHeight(rowsOf(state)),
          data: {
            view: node,
            isRoot: node.side === "root",
            columns: state,
            highlight,
            impactDepth,
            failed: failed.has(node.qualifiedName),
            gone: goneTables.has(node.qualifiedName),
            open: props.openTableId === node.id,
          },
          style: INTERACTIVE,
          selectable: false,
          focusable: false,
          ariaLabel: `Table ${node.qualifiedName}`,
        };
      }),
    [visible, positions, columns, highlight, impactDepths, failed, goneTables, props.openTableId],
  );

  const edges: LineageFlowEdge[] = useMemo(() => {
    const showLabel = visible.edges.length <= LABELLED_EDGES || readable;
    const nameOf = new Map<string, string>();
    for (const node of visible.nodes) if (node.kind === "table") nameOf.set(node.id, node.qualifiedName);
    const gone = (edge: { source: string; target: string }) =>
      goneEdges.has(edgeKey(nameOf.get(edge.source) ?? "", nameOf.get(edge.target) ?? ""));
    const result: LineageFlowEdge[] = visible.edges.map((edge) => {
      const label = edgeLabel(edge.runs);
      const impactDepth =
        impactDepths && !edge.toMore ? (impactDepths.get(edge.target) ?? null) : null;
      return {
        id: edge.id,
        type: "lineage",
        source: edge.source,
        target: edge.target,
        sourceHandle: "out",
        targetHandle: "in",
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        selected: edge.id === props.selectedEdgeId,
        selectable: !edge.toMore,
        focusable: !edge.toMore,
        ariaLabel: edge.toMore ? undefined : `Lineage from ${edge.source} to ${edge.target}: ${label}`,
        data: { view: edge, label: edge.toMore ? "" : label, impactDepth, showLabel, gone: gone(edge) },
      };
    });
    const idOf = new Map<string, string>();
    for (const node of visible.nodes) if (node.kind === "table") idOf.set(node.qualifiedName, node.id);
    const lit = (key: string) =>
      highlight.selected === key || highlight.upstream.has(key) || highlight.downstream.has(key);
    for (const link of columnIndex.links) {
      const source = columns.get(link.sourceTable);
      const target = columns.get(link.targetTable);
      const sourceId = idOf.get(link.sourceTable);
      const targetId = idOf.get(link.targetTable);
      if (!Array.isArray(source) || !Array.isArray(target) || !sourceId || !targetId) continue;
      const from = columnKey(link.sourceTable, link.sourceColumn);
      const to = columnKey(link.targetTable, link.targetColumn);
      const highlighted = lit(from) && lit(to);
      result.push({
        id: `c:${sourceId}:${link.sourceColumn}->${targetId}:${link.targetColumn}`,
        type: "lineage",
        source: sourceId,
        target: targetId,
        sourceHandle: `out:${link.sourceColumn}`,
        targetHandle: `in:${link.targetColumn}`,
        selectable: false,
        focusable: false,
        zIndex: highlighted ? 2 : 1,
        data: {
          view: null,
          label: "",
          impactDepth: null,
          showLabel: false,
          column: { highlighted, dimmed: highlight.selected !== null && !highlighted },
        },
      });
    }
    return result;
  }, [visible, columns, columnIndex, highlight, impactDepths, readable, goneEdges, props.selectedEdgeId]);

  const byId = useMemo(() => new Map(visible.edges.map((edge) => [edge.id, edge])), [visible]);
  const { openEdge } = props.actions;
  const onEdgesChange = useCallback(
    (changes: EdgeChange<LineageFlowEdge>[]) => {
      for (const change of changes) {
        if (change.type === "select" && change.selected) {
          const edge = byId.get(change.id);
          if (edge && !edge.toMore) openEdge(edge);
        }
      }
    },
    [byId, openEdge],
  );

  useRenderTiming(nodes.length, props.dataAt);
  const layoutKey = useMemo(
    () => [...positions].map(([id, { x, y }]) => `${id}@${x},${y}`).join(" "),
    [positions],
  );
  useRefit(layoutKey);

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      onEdgesChange={onEdgesChange}
      onEdgeClick={(_, edge) => {
        const view = byId.get(edge.id);
        if (view && !view.toMore) openEdge(view);
      }}
      nodesDraggable={false}
      nodesConnectable={false}
      nodesFocusable={false}
      zoomOnDoubleClick={false}
      edgesFocusable
      fitView
      fitViewOptions={FIT_VIEW}
      minZoom={0.05}
      maxZoom={2}
      proOptions={{ hideAttribution: true }}
      deleteKeyCode={null}
    >
      <Background gap={24} size={1} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

/**
 * Fit the whole graph once it is in the store (React Flow's own first fit may see only the
 * first nodes measured) and whenever its layout changes (more shown, columns expanded, a
 * captured run added tables); fit it readably when a panel beside it opened or closed.
 */
function useRefit(layoutKey: string) {
  const width = useStore((state: ReactFlowState) => state.width);
  const { fitView } = useReactFlow();
  const last = useRef<{ width: number; layoutKey: string } | null>(null);
  useEffect(() => {
    if (width === 0) return;
    const previous = last.current;
    last.current = { width, layoutKey };
    if (previous && previous.width === width && previous.layoutKey === layoutKey) return;
    const options = !previous || previous.layoutKey !== layoutKey ? FIT_VIEW : REFIT_VIEW;
    const timer = setTimeout(() => void fitView(options), 50);
    return () => clearTimeout(timer);
  }, [width, layoutKey, fitView]);
}

/**
 * Marks `lineage:rendered` and measures `lineage-graph-render` (from the data's arrival) once
 * every node of a new graph is in the page and a frame has been painted.
 */
function useRenderTiming(count: number, dataAt: number | null) {
  const measured = useRef<number | null>(null);
  useEffect(() => {
    if (dataAt === null || measured.current === dataAt) return;
    let frame = 0;
    let tries = 0;
    const check = () => {
      const drawn = document.querySelectorAll(".react-flow__node").length;
      if (drawn >= count || tries++ > 600) {
        measured.current = dataAt;
        const end = performance.now();
        performance.measure("lineage-graph-render", { start: dataAt, end });
        document.documentElement.dataset.graphRenderMs = String(Math.round(end - dataAt));
        document.documentElement.dataset.graphRenderedNodes = String(drawn);
        return;
      }
      frame = requestAnimationFrame(check);
    };
    frame = requestAnimationFrame(check);
    return () => cancelAnimationFrame(frame);
  }, [count, dataAt]);
}

export function GraphView(props: GraphViewProps) {
  return (
    <ReactFlowProvider>
      <GraphActionsContext.Provider value={props.actions}>
        <FlowGraph {...props} />
      </GraphActionsContext.Provider>
    </ReactFlowProvider>
  );
}
