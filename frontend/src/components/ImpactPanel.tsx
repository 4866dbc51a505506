import { useState } from "react";

import { countsByDepth } from "../lib/impact.ts";
import type { ImpactAnalysis } from "../lib/types.ts";

/** "What breaks if I change this?": the downstream by depth, the jobs, the failed writes. */
export function ImpactPanel({
  impact,
  problem,
  drawnDepth,
}: {
  impact: ImpactAnalysis | null;
  problem: string | null;
  drawnDepth: number;
}) {
  const [collapsed, setCollapsed] = useState(false);
  const depths = impact ? countsByDepth(impact) : [];
  const beyond = depths.filter((item) => item.depth > drawnDepth).reduce((sum, item) => sum + item.count, 0);
  return (
    <section className={`impact-panel${collapsed ? " is-collapsed" : ""}`} aria-labelledby="impact-title" data-testid="impact-panel">
      <header>
        <h2 id="impact-title">What breaks if {impact ? impact.asset : "it"} changes</h2>
        <button type="button" aria-expanded={!collapsed} onClick={() => setCollapsed(!collapsed)}>
          {collapsed ? "Show" : "Hide"}
        </button>
      </header>
      {!collapsed && (
        <div className="impact-panel__body">
          {problem && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          {!impact && !problem && <p className="muted">Computing…</p>}
          {impact && (
            <>
              <p data-testid="impact-totals">
                <strong>{impact.totalImpactedAssets.toLocaleString("en-US")}</strong> downstream{" "}
                {impact.totalImpactedAssets === 1 ? "table" : "tables"} within {impact.maxDepth} levels,{" "}
                <strong>{impact.totalImpactedWorkflows.toLocaleString("en-US")}</strong>{" "}
                {impact.totalImpactedWorkflows === 1 ? "job" : "jobs"}
                {impact.cached && <span className="muted"> (from the cache)</span>}
              </p>
              <ol className="impact-depths" aria-label="Downstream tables per depth">
                {depths.map((item) => (
                  <li key={item.depth} data-depth={item.depth} data-count={item.count}>
                    <span className="swatch" style={{ background: item.colour }} aria-hidden="true" />
                    depth {item.depth}: {item.count.toLocaleString("en-US")}{" "}
                    {item.count === 1 ? "table" : "tables"}
                  </li>
                ))}
              </ol>
              {beyond > 0 && (
                <p className="muted">
                  {beyond.toLocaleString("en-US")} of them lie deeper than the {drawnDepth}{" "}
                  {drawnDepth === 1 ? "level" : "levels"} drawn.
                </p>
              )}
              {impact.failedWrites.length > 0 && (
                <div className="failed-writes" data-testid="failed-writes">
                  <h3>⚠ Last write failed</h3>
                  <ul>
                    {impact.failedWrites.map((name) => (
                      <li key={name}>{name}</li>
                    ))}
                  </ul>
                </div>
              )}
              {impact.affectedWorkflows.length > 0 && (
                <div className="affected-jobs" data-testid="affected-jobs">
                  <h3>Affected jobs</h3>
                  <ul>
                    {impact.affectedWorkflows.map((job) => (
                      <li key={`${job.codeLocation ?? ""}/${job.workflowId}`} data-job={job.workflowName}>
                        <strong>{job.workflowName}</strong>
                        {job.codeLocation && <span className="muted"> · {job.codeLocation}</span>}
                        {job.ops.length > 0 && <div className="ops">{job.ops.join(", ")}</div>}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </>
          )}
        </div>
      )}
    </section>
  );
}
