import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo, useContext } from "react";

import { PER_LEVEL } from "../lib/visible.ts";
import { GraphActionsContext, type MoreFlowNode } from "./graphTypes.ts";

function MoreNodeComponent({ data }: NodeProps<MoreFlowNode>) {
  const actions = useContext(GraphActionsContext)!;
  const { view } = data;
  const next = Math.min(view.hidden, PER_LEVEL);
  return (
    <div className="more-node" data-testid="more-node" data-level={view.level}>
      <Handle type="target" position={Position.Left} id="in" className="table-handle" isConnectable={false} />
      <button type="button" className="nodrag" onClick={() => actions.showMore(view.level)}>
        Show {next} more
        <span className="more-node__hidden">
          {view.hidden.toLocaleString("en-US")} hidden at {view.side} depth {view.depth}
        </span>
      </button>
      <Handle type="source" position={Position.Right} id="out" className="table-handle" isConnectable={false} />
    </div>
  );
}

export const MoreNode = memo(MoreNodeComponent);
