import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo, useContext } from "react";

import { impactColour } from "../lib/impact.ts";
import { GraphActionsContext, type LineageFlowEdge } from "./graphTypes.ts";

function LineageEdgeComponent(props: EdgeProps<LineageFlowEdge>) {
  const { id, data, selected, markerEnd } = props;
  const actions = useContext(GraphActionsContext);
  const [path, labelX, labelY] = getBezierPath(props);
  const column = data?.column;
  const classes = ["lineage-edge"];
  if (column) classes.push("is-column");
  if (column?.highlighted) classes.push("is-highlighted");
  if (column?.dimmed) classes.push("is-dimmed");
  if (data?.view?.toMore) classes.push("is-more");
  if (selected) classes.push("is-selected");
  if (data?.gone) classes.push("is-gone");
  const stroke = data?.impactDepth != null && !column ? impactColour(data.impactDepth) : undefined;
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={classes.join(" ")}
        style={stroke ? { stroke } : undefined}
        interactionWidth={column ? 6 : 16}
      />
      {data?.showLabel && data.label && (
        <EdgeLabelRenderer>
          <div
            className={`edge-label nopan${selected ? " is-selected" : ""}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid="edge-label"
            title={data.label}
            onClick={() => data.view && actions?.openEdge(data.view)}
          >
            {data.label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const LineageEdge = memo(LineageEdgeComponent);
