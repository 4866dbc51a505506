/** Numbers, dates and links to the Dagster UI, as the page writes them. */

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : value.toLocaleString("en-US");
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value.toFixed(digits)}%`;
}

export function formatSignedPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value > 0 ? "+" : ""}${value.toFixed(1)}%`;
}

/** `2026-01-31 14:05` in the viewer's time zone; "–" for nothing. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** A statistic as a short string: numbers rounded, long text cut. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return formatCount(value);
    return Math.abs(value) >= 1e6 ? formatCount(Math.round(value)) : String(Number(value.toPrecision(4)));
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** A connection as shown: a URL's password never is. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/[^/:@]*):[^/@]*@/i, "$1:•••@");
}

function dagsterBase(url: string): string {
  return url.replace(/\/+$/, "");
}

/** A Dagster run id (a UUID) by its first eight characters, as the Dagster UI shows it. */
export function shortRunId(runId: string): string {
  return runId.length > 12 ? runId.slice(0, 8) : runId;
}

export function dagsterRunUrl(dagsterUrl: string, runId: string): string {
  return `${dagsterBase(dagsterUrl)}/runs/${encodeURIComponent(runId)}`;
}

/** The asset page of a Dagster asset key given as its path (`a/b/c`). */
export function dagsterAssetUrl(dagsterUrl: string, assetKey: string): string {
  const path = assetKey.split("/").map(encodeURIComponent).join("/");
  return `${dagsterBase(dagsterUrl)}/assets/${path}`;
}
