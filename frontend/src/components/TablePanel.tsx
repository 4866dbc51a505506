import { useEffect, useState } from "react";

import { isAbort, type Api } from "../lib/api.ts";
import {
  dagsterAssetUrl,
  formatCount,
  formatDateTime,
  formatPercent,
  formatSignedPercent,
  formatValue,
  redactUrl,
} from "../lib/format.ts";
import type { AssetDetail, ServerConfig, TableProfile } from "../lib/types.ts";
import type { TableViewNode } from "../lib/visible.ts";
import { Panel, RunLink, Status } from "./Panel.tsx";
import { RowCountChart } from "./RowCountChart.tsx";

const HISTORY = 30;

export function TablePanel({
  api,
  config,
  node,
  refreshTick,
  onError,
  onMakeRoot,
  onClose,
}: {
  api: Api;
  config: ServerConfig;
  node: TableViewNode;
  refreshTick: number;
  onError: (error: unknown) => string | null;
  onMakeRoot: (node: TableViewNode) => void;
  onClose: () => void;
}) {
  const [detail, setDetail] = useState<AssetDetail | null>(null);
  const [profiles, setProfiles] = useState<TableProfile[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [profiling, setProfiling] = useState(false);
  const [profileTick, setProfileTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setProblem(null);
    Promise.all([
      api.asset(node.qualifiedName, controller.signal),
      api.profiles(node.qualifiedName, HISTORY, controller.signal),
    ])
      .then(([asset, history]) => {
        setDetail(asset);
        setProfiles(history.profiles);
      })
      .catch((error) => {
        if (!isAbort(error)) setProblem(onError(error));
      });
    return () => controller.abort();
  }, [api, node.qualifiedName, refreshTick, profileTick, onError]);

  const profileNow = () => {
    setProfiling(true);
    setProblem(null);
    api
      .profileNow(node.qualifiedName)
      .then(() => setProfileTick((tick) => tick + 1))
      .catch((error) => setProblem(onError(error)))
      .finally(() => setProfiling(false));
  };

  const latest = profiles?.[0] ?? null;
  const lastWrite = detail?.lastWrite ?? null;
  return (
    <Panel title={node.name} subtitle={node.qualifiedName} onClose={onClose} testId="table-panel">
      <div className="panel__actions">
        {node.side !== "root" && (
          <button type="button" onClick={() => onMakeRoot(node)}>
            Centre the graph here
          </button>
        )}
        <button type="button" onClick={profileNow} disabled={profiling}>
          {profiling ? "Profiling…" : "Profile now"}
        </button>
        {config.dagsterUrl && detail?.dagsterAssetKey && (
          <a
            className="button-link"
            href={dagsterAssetUrl(config.dagsterUrl, detail.dagsterAssetKey)}
            target="_blank"
            rel="noreferrer"
            data-testid="dagster-asset-link"
          >
            Open in Dagster
          </a>
        )}
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <dl className="facts">
        <dt>Type</dt>
        <dd>{detail?.type ?? node.type}</dd>
        {detail?.connection && (
          <>
            <dt>Connection</dt>
            <dd>{redactUrl(detail.connection)}</dd>
          </>
        )}
        {detail?.dagsterAssetKey && (
          <>
            <dt>Dagster asset</dt>
            <dd>
              <code>{detail.dagsterAssetKey}</code>
            </dd>
          </>
        )}
        <dt>Last write</dt>
        <dd data-testid="last-write">
          {lastWrite ? (
            <>
              <Status status={lastWrite.status} /> {lastWrite.job && <span>{lastWrite.job}</span>}{" "}
              <span className="muted">{formatDateTime(lastWrite.at)}</span>{" "}
              <RunLink dagsterUrl={config.dagsterUrl} runId={lastWrite.runId} />
            </>
          ) : (
            <span className="muted">No captured run wrote it</span>
          )}
        </dd>
      </dl>

      <section aria-labelledby="profile-history">
        <h3 id="profile-history">Row count</h3>
        {profiles === null ? <p className="muted">Loading…</p> : <RowCountChart profiles={profiles} />}
      </section>

      {latest && <LatestProfile profile={latest} />}
    </Panel>
  );
}

function LatestProfile({ profile }: { profile: TableProfile }) {
  const drift = profile.drift;
  const changed =
    drift &&
    (drift.columnsAdded.length > 0 || drift.columnsRemoved.length > 0 || drift.columnsRetyped.length > 0);
  return (
    <section aria-labelledby="latest-profile" data-testid="latest-profile">
      <h3 id="latest-profile">Latest profile</h3>
      <p className="muted">
        {formatDateTime(profile.profiledAt)} · {formatCount(profile.rowCount)} rows ·{" "}
        {formatCount(profile.columnCount)} columns
        {profile.duplicateCount !== null && ` · ${formatCount(profile.duplicateCount)} duplicate rows`}
      </p>
      {drift && (
        <div className={`drift${changed ? " drift-changed" : ""}`} data-testid="drift">
          <strong>{changed ? "Schema changed" : "No schema change"}</strong>
          {drift.rowCountChangePercentage !== null && (
            <span> · rows {formatSignedPercent(drift.rowCountChangePercentage)}</span>
          )}
          <ul>
            {drift.columnsAdded.map((column) => (
              <li key={`+${column}`}>added {column}</li>
            ))}
            {drift.columnsRemoved.map((column) => (
              <li key={`-${column}`}>removed {column}</li>
            ))}
            {drift.columnsRetyped.map((change) => (
              <li key={`~${change.column}`}>
                {change.column}: {change.before} → {change.after}
              </li>
            ))}
            {Object.entries(drift.nullPercentageSwings).map(([column, swing]) => (
              <li key={`%${column}`}>
                nulls in {column} {formatSignedPercent(swing)}
              </li>
            ))}
            {drift.largeSwings.map((swing) => (
              <li key={`!${swing}`}>{swing}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="table-scroll">
        <table className="stats" data-testid="column-stats">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Nulls</th>
              <th scope="col">Distinct</th>
              <th scope="col">Min</th>
              <th scope="col">Max</th>
              <th scope="col">Mean</th>
            </tr>
          </thead>
          <tbody>
            {profile.columnProfiles.map((column) => (
              <tr key={column.columnName}>
                <th scope="row">{column.columnName}</th>
                <td>{column.dataType}</td>
                <td>{formatPercent(column.nullPercentage)}</td>
                <td>
                  {column.distinctApproximate ? "≈" : ""}
                  {formatCount(column.distinctCount)}
                </td>
                <td>{formatValue(column.min)}</td>
                <td>{formatValue(column.max)}</td>
                <td>{formatValue(column.mean)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
