import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useContext, useEffect } from "react";

import { columnKey } from "../lib/columns.ts";
import { impactColour } from "../lib/impact.ts";
import { GraphActionsContext, type TableFlowNode } from "./graphTypes.ts";

function highlightOf(data: TableFlowNode["data"], column: string): string | undefined {
  const key = columnKey(data.view.qualifiedName, column);
  if (data.highlight.selected === key) return "selected";
  if (data.highlight.upstream.has(key)) return "upstream";
  if (data.highlight.downstream.has(key)) return "downstream";
  return undefined;
}

function TableNodeComponent({ id, data }: NodeProps<TableFlowNode>) {
  const actions = useContext(GraphActionsContext)!;
  const { view, columns, impactDepth, failed } = data;
  // Column handles come and go with the columns: edges must find them.
  const updateNodeInternals = useUpdateNodeInternals();
  const handlesKey = Array.isArray(columns) ? columns.join("\u0000") : String(columns);
  useEffect(() => updateNodeInternals(id), [id, handlesKey, updateNodeInternals]);
  const expanded = columns !== null;
  const classes = ["table-node", `side-${view.side}`];
  if (data.isRoot) classes.push("is-root");
  if (data.open) classes.push("is-open");
  if (impactDepth !== null) classes.push("is-impacted");
  if (failed) classes.push("has-failed-write");
  if (data.gone) classes.push("is-gone");
  const style = impactDepth !== null ? { ["--impact" as string]: impactColour(impactDepth) } : undefined;
  return (
    <div
      className={classes.join(" ")}
      style={style}
      data-testid="table-node"
      data-qualified-name={view.qualifiedName}
      data-impact-depth={impactDepth ?? undefined}
      data-failed-write={failed ? "true" : undefined}
      data-gone={data.gone ? "true" : undefined}
      onDoubleClick={() => actions.makeRoot(view)}
    >
      <Handle type="target" position={Position.Left} id="in" className="table-handle" isConnectable={false} />
      <div className="table-node__header">
        <div className="table-node__title">
          <button
            type="button"
            className="table-node__name nodrag"
            title={`${view.qualifiedName}: details (double-click the table to centre the graph on it)`}
            onClick={() => actions.openTable(view)}
          >
            {view.name}
          </button>
          {impactDepth !== null && (
            <span className="badge badge-impact" title={`Impacted at depth ${impactDepth}`}>
              depth {impactDepth}
            </span>
          )}
          {data.gone && (
            <span className="badge badge-gone" title="No longer in this lineage: retired, or cut off by a retired edge">
              gone since
            </span>
          )}
          {failed && (
            <span className="badge badge-failed" title="The last run that wrote this table failed">
              ⚠ failed
            </span>
          )}
        </div>
        <div className="table-node__sub">
          <span className="table-node__qn" title={view.qualifiedName}>
            {view.qualifiedName}
          </span>
          <button
            type="button"
            className="table-node__expand nodrag"
            aria-expanded={expanded}
            aria-label={`${expanded ? "Hide" : "Show"} the columns of ${view.qualifiedName}`}
            onClick={() => actions.toggleColumns(view)}
          >
            {expanded ? "▾ columns" : "▸ columns"}
          </button>
        </div>
      </div>
      {expanded && (
        <ul className="table-node__columns nodrag nowheel" aria-label={`Columns of ${view.qualifiedName}`}>
          {columns === "loading" && <li className="column-note">Loading columns…</li>}
          {columns === "error" && <li className="column-note">Columns could not be loaded</li>}
          {Array.isArray(columns) && columns.length === 0 && (
            <li className="column-note">No column lineage recorded</li>
          )}
          {Array.isArray(columns) &&
            columns.map((column) => {
              const highlight = highlightOf(data, column);
              return (
                <li key={column} className="column-row-item">
                  <Handle
                    type="target"
                    position={Position.Left}
                    id={`in:${column}`}
                    className="column-handle"
                    isConnectable={false}
                  />
                  <button
                    type="button"
                    className="column-row"
                    data-column={column}
                    data-highlight={highlight}
                    aria-pressed={highlight === "selected"}
                    onClick={() => actions.selectColumn(view.qualifiedName, column)}
                  >
                    {column}
                  </button>
                  <Handle
                    type="source"
                    position={Position.Right}
                    id={`out:${column}`}
                    className="column-handle"
                    isConnectable={false}
                  />
                </li>
              );
            })}
        </ul>
      )}
      <Handle type="source" position={Position.Right} id="out" className="table-handle" isConnectable={false} />
    </div>
  );
}

export const TableNode = memo(TableNodeComponent);
