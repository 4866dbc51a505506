/** The shapes of the explorer's HTTP API (camelCase, as the server's models render them). */

export type Direction = "upstream" | "downstream" | "full";

export interface Asset {
  id: number;
  name: string;
  qualifiedName: string;
  type: string;
  database: string | null;
  schema: string | null;
  connection: string | null;
  metadata: Record<string, unknown>;
  isSource: boolean;
  isTarget: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface LastWrite {
  runId: string;
  job: string | null;
  codeLocation?: string | null;
  status: string | null;
  at: string | null;
  /** Whether that run recorded writing the table: a failed run that did not is a stale table. */
  written?: boolean;
}

export interface AssetDetail extends Asset {
  dagsterAssetKey: string | null;
  lastWrite: LastWrite | null;
}

export interface AssetList {
  assets: Asset[];
  totalAssets: number;
  limit: number;
  offset: number;
}

export interface GraphNode {
  id: string;
  name: string;
  qualifiedName: string;
  type: string;
  depth: number;
  direction?: "upstream" | "downstream" | "both";
}

export interface GraphEdge {
  source: string;
  target: string;
  workflowId: string | null;
  op: string | null;
  codeLocation: string | null;
  transformationType: string | null;
}

export interface LineageGraph {
  direction: Direction;
  rootAssetId: string;
  root: string;
  maxDepth: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  totalNodes: number;
  truncated: boolean;
  upstreamCount?: number | null;
  downstreamCount?: number | null;
}

export interface AffectedJob {
  workflowId: string;
  workflowName: string;
  codeLocation: string | null;
  workspaceName: string | null;
  ops: string[];
}

export interface ImpactAnalysis {
  assetId: string;
  asset: string;
  maxDepth: number;
  downstreamAssets: GraphNode[];
  affectedWorkflows: AffectedJob[];
  codeLocations: string[];
  countsByDepth: Record<string, number>;
  totalImpactedAssets: number;
  totalImpactedWorkflows: number;
  pageOffset: number;
  pageLimit: number;
  cached: boolean;
  computedAt: string | null;
  failedWrites: string[];
}

export interface ColumnLink {
  sourceTable: string;
  sourceColumn: string;
  targetTable: string;
  targetColumn: string;
  transformation: string | null;
  job: string | null;
  op: string | null;
  codeLocation: string | null;
  edgeId: number | null;
}

export interface AssetColumns {
  asset: string;
  incoming: ColumnLink[];
  outgoing: ColumnLink[];
}

export interface EdgeColumn {
  source: string;
  target: string;
  transformation: string | null;
}

export interface StoredEdge {
  id: number;
  source: string;
  target: string;
  job: string | null;
  op: string | null;
  codeLocation: string | null;
  trigger?: string | null;
  transformationType: string | null;
  transformationLogic: string | null;
  columns: EdgeColumn[];
  lastRunId: string | null;
  lastExecutionAt: string | null;
  executionCount: number;
  active: boolean;
}

export interface ColumnProfile {
  columnName: string;
  dataType: string;
  nullCount: number;
  nullPercentage: number;
  distinctCount: number | null;
  distinctApproximate: boolean;
  min: unknown;
  max: unknown;
  mean: number | null;
}

export interface ProfileDrift {
  previousProfileId: number | null;
  columnsAdded: string[];
  columnsRemoved: string[];
  columnsRetyped: { column: string; before: string; after: string }[];
  rowCountChangePercentage: number | null;
  nullPercentageSwings: Record<string, number>;
  largeSwings: string[];
}

export interface TableProfile {
  profileId: number | null;
  assetId: string | null;
  asset: string;
  connection: string | null;
  rowCount: number;
  columnCount: number;
  tableSizeBytes: number | null;
  duplicateCount: number | null;
  duplicateCountApproximate: boolean;
  nullPercentage: number | null;
  columnProfiles: ColumnProfile[];
  exact: boolean;
  profiledAt: string | null;
  profileDurationMs: number | null;
  drift: ProfileDrift | null;
}

export interface ProfileHistory {
  assetId: string;
  asset: string;
  profiles: TableProfile[];
}

export interface ServerConfig {
  dagsterUrl: string | null;
  auth: boolean;
  tenant: string | null;
}

/** `event: run_captured` and `event: assets_changed` of the events stream. */
export interface LineageEvent {
  event: string;
  data: {
    runId?: string;
    job?: string | null;
    codeLocation?: string | null;
    status?: string | null;
    edgesCreated?: number;
    graphVersion?: number | string;
    assets?: string[];
  };
}

/** An asset that joined or left one side of a root between two times (`at`: when). */
export interface DiffAsset {
  id: string;
  name: string;
  qualifiedName: string;
  type: string;
  depth: number;
  at: string;
}

/** An edge that joined or left one side of a root; `source` and `target` are qualified names. */
export interface DiffEdge {
  edgeId: number;
  source: string;
  target: string;
  job: string | null;
  op: string | null;
  codeLocation: string | null;
  transformationType: string | null;
  activeFrom: string;
  activeUntil: string | null;
  at: string;
}

/** `GET /api/lineage/assets/{asset}/diff`: the net change of one side from `since` to `until`. */
export interface LineageDiff {
  rootAssetId: string;
  root: string;
  direction: "upstream" | "downstream";
  maxDepth: number;
  since: string;
  until: string;
  addedAssets: DiffAsset[];
  removedAssets: DiffAsset[];
  addedEdges: DiffEdge[];
  removedEdges: DiffEdge[];
}
