import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { AssetList } from "./components/AssetList.tsx";
import { Explorer } from "./components/Explorer.tsx";
import { SearchBox } from "./components/SearchBox.tsx";
import { TokenPrompt } from "./components/TokenPrompt.tsx";
import { Toolbar } from "./components/Toolbar.tsx";
import { useLiveEvents } from "./hooks/useLiveEvents.ts";
import { useViewState } from "./hooks/useViewState.ts";
import { Api, ApiError, isAbort, NOT_ENABLED_MESSAGE, storedToken, storeToken } from "./lib/api.ts";
import { shortRunId } from "./lib/format.ts";
import type { Asset, LineageEvent, ServerConfig } from "./lib/types.ts";

/** Several events of one run arrive together: one refresh for all of them. */
const REFRESH_DEBOUNCE_MS = 250;

export function App() {
  const [view, navigate] = useViewState();
  const [token, setToken] = useState<string | null>(storedToken);
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const api = useMemo(() => new Api(() => tokenRef.current), []);
  const [config, setConfig] = useState<ServerConfig | null>(null);
  const [unreachable, setUnreachable] = useState<string | null>(null);
  const [prompt, setPrompt] = useState<null | "needed" | "refused">(null);
  const [forbidden, setForbidden] = useState<string | null>(null);
  const [refreshTick, setRefreshTick] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    api
      .config(controller.signal)
      .then((answer) => {
        setConfig(answer);
        if (answer.auth && !tokenRef.current) setPrompt("needed");
      })
      .catch((error) => {
        if (!isAbort(error)) setUnreachable(error instanceof Error ? error.message : String(error));
      });
    return () => controller.abort();
  }, [api]);

  /** 401 brings the prompt back, 403 the edition's message; anything else is the caller's. */
  const onError = useCallback((error: unknown): string | null => {
    if (isAbort(error)) return null;
    if (error instanceof ApiError) {
      if (error.status === 401) {
        storeToken(null);
        setToken(null);
        setPrompt("refused");
        return null;
      }
      if (error.status === 403) {
        setForbidden(error.message || NOT_ENABLED_MESSAGE);
        return null;
      }
      return error.message;
    }
    return "The lineage server could not be reached.";
  }, []);

  const ready = config !== null && (!config.auth || token !== null) && forbidden === null;

  const names = useRef<Set<string>>(new Set());
  const onNames = useCallback((current: Set<string>) => {
    names.current = current;
  }, []);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEvent = useCallback((event: LineageEvent) => {
    // A graph change from outside a captured run (an import) names no assets: maybe ours.
    const touched = event.data.assets;
    const unknown = touched === undefined || (event.event === "assets_changed" && touched.length === 0);
    const relevant = unknown || touched.some((name) => names.current.has(name));
    if (!relevant) return;
    if (event.event === "run_captured") {
      const run = event.data.runId ? ` run ${shortRunId(event.data.runId)}` : "";
      const status = event.data.status ? ` (${event.data.status.toLowerCase()})` : "";
      setNotice(`Graph updated: ${event.data.job ?? "a job"}${run}${status} was captured`);
    }
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => setRefreshTick((tick) => tick + 1), REFRESH_DEBOUNCE_MS);
  }, []);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  const live = useLiveEvents(api, ready && view.asset !== null, token, onEvent, onError);

  const openAsset = useCallback(
    (asset: Asset | string) =>
      navigate({ ...view, asset: typeof asset === "string" ? asset : asset.qualifiedName }),
    [navigate, view],
  );

  return (
    <div className="app">
      <header className="topbar">
        <a
          className="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate({ ...view, asset: null });
          }}
        >
          Lineage
        </a>
        {ready && view.asset && <SearchBox api={api} onOpen={openAsset} onError={onError} />}
        {ready && view.asset && <Toolbar view={view} onChange={navigate} live={live} />}
        {config?.tenant && <span className="tenant">tenant {config.tenant}</span>}
      </header>
      {notice && (
        <div className="toast" role="status" data-testid="live-notice">
          {notice}
          <button type="button" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}
      <main className="main">
        {unreachable && (
          <div className="page-message" role="alert">
            <h1>The lineage server did not answer</h1>
            <p>{unreachable}</p>
          </div>
        )}
        {forbidden && (
          <div className="page-message" role="alert" data-testid="forbidden">
            <h1>Lineage is not available</h1>
            <p>{forbidden}</p>
            {config?.auth && (
              <button
                type="button"
                onClick={() => {
                  storeToken(null);
                  setToken(null);
                  setForbidden(null);
                  setPrompt("needed");
                }}
              >
                Use another token
              </button>
            )}
          </div>
        )}
        {ready && !view.asset && (
          <div className="start">
            <h1>Find a table</h1>
            <SearchBox api={api} onOpen={openAsset} onError={onError} autoFocus />
            <AssetList api={api} onOpen={openAsset} onError={onError} />
          </div>
        )}
        {ready && config && view.asset && (
          <Explorer
            key={`${view.asset}\u0000${view.direction}`}
            api={api}
            config={config}
            view={{ ...view, asset: view.asset }}
            navigate={navigate}
            onError={onError}
            refreshTick={refreshTick}
            onNames={onNames}
          />
        )}
      </main>
      {prompt && config?.auth && (
        <TokenPrompt
          refused={prompt === "refused"}
          tenant={config.tenant}
          onSubmit={(value) => {
            storeToken(value);
            setToken(value);
            setPrompt(null);
            setForbidden(null);
          }}
        />
      )}
    </div>
  );
}
