import { useEffect, useState } from "react";

import { isAbort, type Api } from "../lib/api.ts";
import { formatCount, formatDateTime } from "../lib/format.ts";
import type { ServerConfig, StoredEdge } from "../lib/types.ts";
import { Panel, RunLink } from "./Panel.tsx";

/** The stored edges from one table to another: SQL, column mappings and runs, one per job/op. */
export function EdgePanel({
  api,
  config,
  source,
  target,
  refreshTick,
  onError,
  onClose,
}: {
  api: Api;
  config: ServerConfig;
  source: string;
  target: string;
  refreshTick: number;
  onError: (error: unknown) => string | null;
  onClose: () => void;
}) {
  const [edges, setEdges] = useState<StoredEdge[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setProblem(null);
    api
      .edges(source, "out", controller.signal)
      .then((answer) => setEdges(answer.edges.filter((edge) => edge.target === target)))
      .catch((error) => {
        if (!isAbort(error)) setProblem(onError(error));
      });
    return () => controller.abort();
  }, [api, source, target, refreshTick, onError]);

  return (
    <Panel title="Lineage edge" subtitle={`${source} → ${target}`} onClose={onClose} testId="edge-panel">
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {edges === null && !problem && <p className="muted">Loading…</p>}
      {edges?.length === 0 && <p className="muted">No stored edge between these tables.</p>}
      {edges?.map((edge) => (
        <article key={edge.id} className={`stored-edge${edge.active ? "" : " is-retired"}`} data-testid="stored-edge">
          <h3>
            {edge.job ?? "no job"}
            {edge.op && <span className="muted"> / {edge.op}</span>}
            {!edge.active && <span className="badge">retired</span>}
          </h3>
          <dl className="facts">
            {edge.codeLocation && (
              <>
                <dt>Code location</dt>
                <dd>{edge.codeLocation}</dd>
              </>
            )}
            {edge.transformationType && (
              <>
                <dt>Transformation</dt>
                <dd>{edge.transformationType}</dd>
              </>
            )}
            <dt>Runs</dt>
            <dd data-testid="execution-count">{formatCount(edge.executionCount)}</dd>
            <dt>Last run</dt>
            <dd>
              {formatDateTime(edge.lastExecutionAt)} <RunLink dagsterUrl={config.dagsterUrl} runId={edge.lastRunId} />
            </dd>
          </dl>
          {edge.transformationLogic && (
            <>
              <h4>SQL</h4>
              <pre className="sql" data-testid="edge-sql">
                {edge.transformationLogic}
              </pre>
            </>
          )}
          {edge.columns.length > 0 && (
            <>
              <h4>Column mappings</h4>
              <table className="stats" data-testid="edge-columns">
                <thead>
                  <tr>
                    <th scope="col">From</th>
                    <th scope="col">To</th>
                    <th scope="col">How</th>
                  </tr>
                </thead>
                <tbody>
                  {edge.columns.map((column) => (
                    <tr key={`${column.source}->${column.target}`}>
                      <td>{column.source}</td>
                      <td>{column.target}</td>
                      <td>{column.transformation ?? <span className="muted">–</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </article>
      ))}
    </Panel>
  );
}
