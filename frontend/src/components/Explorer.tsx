import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { ApiError, isAbort, type Api } from "../lib/api.ts";
import { changesSince, NO_CHANGES, type Changes } from "../lib/changes.ts";
import { ColumnIndex, type ColumnRef } from "../lib/columns.ts";
import { impactDepths } from "../lib/impact.ts";
import type { AssetColumns, AssetDetail, ImpactAnalysis, LineageGraph, ServerConfig } from "../lib/types.ts";
import { endOfDay, type ViewState } from "../lib/urlState.ts";
import { PER_LEVEL, visibleGraph, type TableViewNode, type ViewEdge } from "../lib/visible.ts";
import { EdgePanel } from "./EdgePanel.tsx";
import { GraphView } from "./GraphView.tsx";
import type { ColumnsState, GraphActions } from "./graphTypes.ts";
import { ImpactPanel } from "./ImpactPanel.tsx";
import { TablePanel } from "./TablePanel.tsx";

/** The walk stops here; levels are capped on the page anyway. */
const MAX_NODES = 5000;
const IMPACT_DEPTH = 15;
const IMPACT_PAGE = 1000;
const COLUMN_REQUESTS = 4;

type ColumnAnswer = { tick: number; state: AssetColumns | "loading" | "error" };
type OpenPanel = { kind: "table"; id: string } | { kind: "edge"; id: string } | null;

interface GraphState {
  depth: number;
  graph: LineageGraph | null;
  problem: ApiError | string | null;
  loading: boolean;
  dataAt: number | null;
}

/**
 * The graph of one asset in one direction (remounted when either changes), with its column
 * expansions, impact highlighting and panels. `refreshTick` moves when a captured run touched it.
 */
export function Explorer({
  api,
  config,
  view,
  navigate,
  onError,
  refreshTick,
  onNames,
}: {
  api: Api;
  config: ServerConfig;
  view: ViewState & { asset: string };
  navigate: (next: ViewState) => void;
  onError: (error: unknown) => string | null;
  refreshTick: number;
  onNames: (names: Set<string>) => void;
}) {
  const [state, setState] = useState<GraphState>({ depth: view.depth, graph: null, problem: null, loading: true, dataAt: null });
  const [rootDetail, setRootDetail] = useState<AssetDetail | null>(null);
  const [shown, setShown] = useState<Map<string, number>>(new Map());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [answers, setAnswers] = useState<Map<string, ColumnAnswer>>(new Map());
  const [selectedColumn, setSelectedColumn] = useState<ColumnRef | null>(null);
  const [impact, setImpact] = useState<{ answer: ImpactAnalysis | null; problem: string | null }>({ answer: null, problem: null });
  const [panel, setPanel] = useState<OpenPanel>(null);
  const [changes, setChanges] = useState<Changes>(NO_CHANGES);
  const asOf = view.asOf ? endOfDay(view.asOf) : undefined;

  useEffect(() => {
    const controller = new AbortController();
    setState((current) => ({ ...current, loading: true }));
    api
      .graph(view.asset, view.direction, view.depth, MAX_NODES, controller.signal, asOf)
      .then((graph) => {
        const dataAt = performance.now();
        performance.mark("lineage:data");
        setState({ depth: view.depth, graph, problem: null, loading: false, dataAt });
      })
      .catch((error) => {
        if (isAbort(error)) return;
        const message = onError(error);
        if (message === null) return;
        setState({ depth: view.depth, graph: null, problem: error instanceof ApiError ? error : message, loading: false, dataAt: null });
      });
    return () => controller.abort();
  }, [api, view.asset, view.direction, view.depth, asOf, refreshTick, onError]);

  // As of a day: what has changed since, on the sides drawn.
  useEffect(() => {
    setChanges(NO_CHANGES);
    if (!asOf) return;
    const controller = new AbortController();
    const sides = view.direction === "full" ? (["upstream", "downstream"] as const) : [view.direction];
    Promise.all(sides.map((side) => api.diff(view.asset, side, view.depth, asOf, controller.signal)))
      .then((diffs) => setChanges(changesSince(diffs)))
      .catch((error) => {
        if (!isAbort(error)) onError(error);
      });
    return () => controller.abort();
  }, [api, view.asset, view.direction, view.depth, asOf, refreshTick, onError]);

  useEffect(() => {
    const controller = new AbortController();
    api
      .asset(view.asset, controller.signal)
      .then(setRootDetail)
      .catch((error) => {
        // The graph's own request reports an unknown asset; nothing to add here.
        if (!isAbort(error) && !(error instanceof ApiError && error.status === 404)) onError(error);
      });
    return () => controller.abort();
  }, [api, view.asset, refreshTick, onError]);

  useEffect(() => {
    if (!view.impact) return;
    const controller = new AbortController();
    api
      .impact(view.asset, Math.max(IMPACT_DEPTH, view.depth), IMPACT_PAGE, controller.signal, asOf)
      .then((answer) => setImpact({ answer, problem: null }))
      .catch((error) => {
        if (!isAbort(error)) setImpact({ answer: null, problem: onError(error) });
      });
    return () => controller.abort();
  }, [api, view.asset, view.impact, view.depth, asOf, refreshTick, onError]);

  const graph = state.graph;
  const pinned = useMemo(() => new Set(panel?.kind === "table" ? [panel.id] : []), [panel]);
  const visible = useMemo(
    () => (graph ? visibleGraph(graph, shown, pinned) : null),
    [graph, shown, pinned],
  );

  const names = useMemo(() => {
    const result = new Set<string>([view.asset]);
    if (graph) {
      result.add(graph.root);
      for (const node of graph.nodes) result.add(node.qualifiedName);
    }
    return result;
  }, [graph, view.asset]);
  useEffect(() => onNames(names), [names, onNames]);

  const drawnTables = useMemo(
    () => (visible ? visible.nodes.filter((node): node is TableViewNode => node.kind === "table") : []),
    [visible],
  );
  const expandedNames = useMemo(
    () => (view.columns ? new Set(drawnTables.map((node) => node.qualifiedName)) : expanded),
    [view.columns, drawnTables, expanded],
  );

  // Columns of the expanded tables, a few requests at a time; a refresh asks again.
  const inFlight = useRef(new Set<string>());
  useEffect(() => {
    const wanted = [...expandedNames].filter((name) => {
      const answer = answers.get(name);
      return !inFlight.current.has(name) && (!answer || answer.tick < refreshTick);
    });
    const free = COLUMN_REQUESTS - inFlight.current.size;
    for (const name of wanted.slice(0, Math.max(free, 0))) {
      inFlight.current.add(name);
      const tick = refreshTick;
      setAnswers((current) => {
        const next = new Map(current);
        if (!current.get(name)) next.set(name, { tick: -1, state: "loading" });
        return next;
      });
      api
        .columns(name)
        .then((columns) => ({ tick, state: columns }) as ColumnAnswer)
        .catch((error) => {
          onError(error);
          return { tick, state: "error" } as ColumnAnswer;
        })
        .then((answer) => {
          inFlight.current.delete(name);
          setAnswers((current) => new Map(current).set(name, answer));
        });
    }
  }, [api, expandedNames, answers, refreshTick, onError]);

  const columnIndex = useMemo(
    () =>
      new ColumnIndex(
        [...answers.values()]
          .map((answer) => answer.state)
          .filter((state): state is AssetColumns => typeof state === "object"),
      ),
    [answers],
  );
  const columnStates = useMemo(() => {
    const states = new Map<string, ColumnsState>();
    for (const name of expandedNames) {
      const answer = answers.get(name)?.state;
      states.set(name, !answer || answer === "loading" ? "loading" : answer === "error" ? "error" : columnIndex.columnsOf(name));
    }
    return states;
  }, [expandedNames, answers, columnIndex]);
  const highlight = useMemo(() => columnIndex.highlight(selectedColumn), [columnIndex, selectedColumn]);

  const failed = useMemo(() => {
    const result = new Set<string>(view.impact ? (impact.answer?.failedWrites ?? []) : []);
    const last = rootDetail?.lastWrite;
    if (last?.status?.toUpperCase() === "FAILURE" && !last.written) result.add(rootDetail!.qualifiedName);
    return result;
  }, [view.impact, impact.answer, rootDetail]);
  const depths = useMemo(
    () => (view.impact && impact.answer ? impactDepths(impact.answer) : view.impact ? new Map<string, number>() : null),
    [view.impact, impact.answer],
  );

  const viewRef = useRef(view);
  viewRef.current = view;
  const tablesRef = useRef(drawnTables);
  tablesRef.current = drawnTables;
  const actions: GraphActions = useMemo(
    () => ({
      openTable: (node) => setPanel({ kind: "table", id: node.id }),
      makeRoot: (node) => navigate({ ...viewRef.current, asset: node.qualifiedName }),
      toggleColumns: (node) => {
        const current = viewRef.current;
        if (current.columns) {
          // From "every table" to "every table but this one".
          setExpanded(new Set(tablesRef.current.map((table) => table.qualifiedName).filter((name) => name !== node.qualifiedName)));
          navigate({ ...current, columns: false });
          return;
        }
        setExpanded((set) => {
          const next = new Set(set);
          if (next.has(node.qualifiedName)) next.delete(node.qualifiedName);
          else next.add(node.qualifiedName);
          return next;
        });
      },
      selectColumn: (table, column) =>
        setSelectedColumn((current) =>
          current && current.table === table && current.column === column ? null : { table, column },
        ),
      showMore: (level) =>
        setShown((current) => new Map(current).set(level, (current.get(level) ?? PER_LEVEL) + PER_LEVEL)),
      openEdge: (edge: ViewEdge) => setPanel({ kind: "edge", id: edge.id }),
    }),
    [navigate],
  );
  const closePanel = useCallback(() => setPanel(null), []);

  if (state.problem) return <GraphProblem problem={state.problem} asset={view.asset} onOpen={(asset) => navigate({ ...view, asset })} />;
  if (!graph || !visible) {
    return (
      <div className="graph-area">
        <p className="loading" role="status">
          Loading the lineage of {view.asset}…
        </p>
      </div>
    );
  }

  const nodeById = new Map(drawnTables.map((node) => [node.id, node]));
  const openTable = panel?.kind === "table" ? nodeById.get(panel.id) : undefined;
  const openEdgeView = panel?.kind === "edge" ? visible.edges.find((edge) => edge.id === panel.id) : undefined;
  const lonely = graph.nodes.length === 0;
  return (
    <div className="explorer">
      {view.impact && <ImpactPanel impact={impact.answer} problem={impact.problem} drawnDepth={state.depth} />}
      <div className="graph-area" data-testid="graph" data-root={graph.root} data-direction={graph.direction} data-depth={state.depth} aria-busy={state.loading}>
        <GraphView
          visible={visible}
          columns={columnStates}
          columnIndex={columnIndex}
          highlight={highlight}
          impactDepths={depths}
          failed={failed}
          goneTables={changes.goneTables}
          goneEdges={changes.goneEdges}
          openTableId={openTable?.id ?? null}
          selectedEdgeId={openEdgeView?.id ?? null}
          actions={actions}
          dataAt={state.dataAt}
        />
        <div className="graph-notes" role="status">
          <span data-testid="graph-summary">
            {graph.totalNodes.toLocaleString("en-US")} {graph.totalNodes === 1 ? "asset" : "assets"}{" "}
            {graph.direction === "full" ? "up- and downstream" : graph.direction} within {graph.maxDepth}{" "}
            {graph.maxDepth === 1 ? "level" : "levels"}
            {visible.hiddenCount > 0 && `, ${visible.hiddenCount.toLocaleString("en-US")} not drawn`}
          </span>
          {visible.nodes.map(
            (node) =>
              node.kind === "more" && (
                <button key={node.id} type="button" className="link" onClick={() => actions.showMore(node.level)}>
                  show {Math.min(node.hidden, PER_LEVEL)} more at {node.side} depth {node.depth}
                </button>
              ),
          )}
          {graph.truncated && <span className="warning"> · the walk stopped at {graph.nodes.length.toLocaleString("en-US")} assets</span>}
          {view.asOf && <AsOfNote day={view.asOf} changes={changes} onNow={() => navigate({ ...view, asOf: null })} />}
          {lonely && <span> · no lineage recorded {graph.direction === "full" ? "around" : graph.direction + " of"} it yet</span>}
        </div>
      </div>
      {openTable && (
        <TablePanel
          api={api}
          config={config}
          node={openTable}
          refreshTick={refreshTick}
          onError={onError}
          onMakeRoot={actions.makeRoot}
          onClose={closePanel}
        />
      )}
      {openEdgeView && (
        <EdgePanel
          api={api}
          config={config}
          source={nodeById.get(openEdgeView.source)?.qualifiedName ?? openEdgeView.source}
          target={nodeById.get(openEdgeView.target)?.qualifiedName ?? openEdgeView.target}
          refreshTick={refreshTick}
          onError={onError}
          onClose={closePanel}
        />
      )}
    </div>
  );
}

function GraphProblem({ problem, asset, onOpen }: { problem: ApiError | string; asset: string; onOpen: (asset: string) => void }) {
  const notFound = problem instanceof ApiError && problem.status === 404;
  return (
    <div className="graph-area graph-problem" role="alert" data-testid="graph-problem">
      {notFound ? (
        <>
          <h2>No asset named {asset}</h2>
          {problem.suggestions.length > 0 && (
            <>
              <p>Did you mean:</p>
              <ul>
                {problem.suggestions.map((name) => (
                  <li key={name}>
                    <button type="button" className="link" onClick={() => onOpen(name)}>
                      {name}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      ) : (
        <p>{problem instanceof ApiError ? problem.message : problem}</p>
      )}
    </div>
  );
}

/** As of a day: what has gone since (marked in the graph) and what is new since (listed). */
function AsOfNote({ day, changes, onNow }: { day: string; changes: Changes; onNow: () => void }) {
  const gone = changes.removedTables.length + changes.removedEdges.length;
  const added = changes.addedTables.length + changes.addedEdges.length;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  return (
    <span className="as-of-note" data-testid="as-of-note">
      {" "}
      · as of the end of {day} (UTC)
      {gone + added === 0 ? (
        <>, unchanged since</>
      ) : (
        <>
          ; since then{" "}
          {gone > 0 && (
            <span className="as-of-gone">
              {plural(changes.removedTables.length, "table")} and {plural(changes.removedEdges.length, "edge")} gone (dashed)
            </span>
          )}
          {gone > 0 && added > 0 && ", "}
          {added > 0 && (
            <span className="as-of-added" title={changes.addedTables.map((table) => table.qualifiedName).join("\n")}>
              {plural(changes.addedTables.length, "table")} and {plural(changes.addedEdges.length, "edge")} new
            </span>
          )}
        </>
      )}{" "}
      <button type="button" className="link" onClick={onNow}>
        show now
      </button>
    </span>
  );
}
