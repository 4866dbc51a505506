/**
 * The page's HTTP client: the bearer token (kept in sessionStorage, asked for once), errors as
 * `ApiError` with the server's `detail` (and `suggestions` for an unknown asset).
 */

import type {
  AssetColumns,
  AssetDetail,
  AssetList,
  Direction,
  ImpactAnalysis,
  LineageDiff,
  LineageGraph,
  ProfileHistory,
  ServerConfig,
  StoredEdge,
  TableProfile,
} from "./types.ts";

const TOKEN_KEY = "lineage-explorer-token";

/** The design document's answer for a tenant on the standard edition. */
export const NOT_ENABLED_MESSAGE =
  "Lineage tracking is not enabled for your subscription. Please upgrade to Premium edition.";

export class ApiError extends Error {
  readonly status: number;
  readonly suggestions: string[];

  constructor(status: number, detail: string, suggestions: string[] = []) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.suggestions = suggestions;
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lives as long as the page.
  }
}

export function authHeaders(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function assetPath(asset: string): string {
  return `/api/lineage/assets/${encodeURIComponent(asset)}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function errorOf(response: Response): Promise<ApiError> {
  let detail = "";
  let suggestions: string[] = [];
  try {
    const body = (await response.json()) as { detail?: unknown; suggestions?: unknown };
    if (typeof body.detail === "string") detail = body.detail;
    else if (body.detail !== undefined) detail = JSON.stringify(body.detail);
    if (Array.isArray(body.suggestions)) suggestions = body.suggestions.map(String);
  } catch {
    // Not JSON: keep the status text.
  }
  if (!detail) {
    detail =
      response.status === 403
        ? NOT_ENABLED_MESSAGE
        : response.statusText || `The server answered ${response.status}`;
  }
  return new ApiError(response.status, detail, suggestions);
}

export class Api {
  constructor(private readonly token: () => string | null) {}

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(path, {
      ...init,
      headers: { Accept: "application/json", ...authHeaders(this.token()), ...init.headers },
    });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }

  config(signal?: AbortSignal): Promise<ServerConfig> {
    return this.request("/api/config", { signal });
  }

  assets(search: string, limit: number, signal?: AbortSignal): Promise<AssetList> {
    return this.request(`/api/lineage/assets${query({ search, limit })}`, { signal });
  }

  asset(asset: string, signal?: AbortSignal): Promise<AssetDetail> {
    return this.request(assetPath(asset), { signal });
  }

  graph(
    asset: string,
    direction: Direction,
    maxDepth: number,
    maxNodes: number,
    signal?: AbortSignal,
    asOf?: string,
  ): Promise<LineageGraph> {
    const params = query({ max_depth: maxDepth, max_nodes: maxNodes, as_of: asOf });
    return this.request(`${assetPath(asset)}/${direction}${params}`, { signal });
  }

  impact(
    asset: string,
    maxDepth: number,
    limit: number,
    signal?: AbortSignal,
    asOf?: string,
  ): Promise<ImpactAnalysis> {
    const params = query({ max_depth: maxDepth, limit, as_of: asOf });
    return this.request(`${assetPath(asset)}/impact${params}`, { signal });
  }

  /** How one side of `asset` changed from `since` until now. */
  diff(
    asset: string,
    direction: "upstream" | "downstream",
    depth: number,
    since: string,
    signal?: AbortSignal,
  ): Promise<LineageDiff> {
    const params = query({ direction, depth, since });
    return this.request(`${assetPath(asset)}/diff${params}`, { signal });
  }

  columns(asset: string, signal?: AbortSignal): Promise<AssetColumns> {
    return this.request(`${assetPath(asset)}/columns`, { signal });
  }

  edges(asset: string, direction: "in" | "out" | "both", signal?: AbortSignal): Promise<{ edges: StoredEdge[] }> {
    return this.request(`${assetPath(asset)}/edges${query({ direction })}`, { signal });
  }

  profiles(asset: string, limit: number, signal?: AbortSignal): Promise<ProfileHistory> {
    return this.request(`${assetPath(asset)}/profiles${query({ limit })}`, { signal });
  }

  profileNow(asset: string, signal?: AbortSignal): Promise<TableProfile> {
    return this.request(`${assetPath(asset)}/profile`, {
      method: "POST",
      body: "{}",
      headers: { "Content-Type": "application/json" },
      signal,
    });
  }

  /**
   * The events stream's body, for `streamEvents`; errors as for the other routes. After a
   * reconnection, `lastEventId` asks the server for the captures missed meanwhile.
   */
  async events(signal: AbortSignal, lastEventId?: string): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { Accept: "text/event-stream", ...authHeaders(this.token()) };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch("/api/lineage/events", {
      headers,
      cache: "no-store",
      signal,
    });
    if (!response.ok) throw await errorOf(response);
    if (!response.body) throw new ApiError(response.status, "The events stream has no body");
    return response.body;
  }
}
