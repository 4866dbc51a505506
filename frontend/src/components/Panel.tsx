import { useEffect, useRef, type ReactNode } from "react";

import { dagsterRunUrl, shortRunId } from "../lib/format.ts";

/** The side panel: a labelled region with a close button; Escape closes it too. */
export function Panel({
  title,
  subtitle,
  onClose,
  children,
  testId,
}: {
  title: string;
  subtitle?: string;
  onClose: () => void;
  children: ReactNode;
  testId: string;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [title]);
  return (
    <aside
      className="panel"
      aria-labelledby={`${testId}-title`}
      data-testid={testId}
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <header className="panel__header">
        <div>
          <h2 id={`${testId}-title`} ref={heading} tabIndex={-1}>
            {title}
          </h2>
          {subtitle && <p className="panel__subtitle">{subtitle}</p>}
        </div>
        <button type="button" className="panel__close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="panel__body">{children}</div>
    </aside>
  );
}

export function Status({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="muted">–</span>;
  const kind = status.toUpperCase();
  const tone = kind === "SUCCESS" ? "ok" : kind === "FAILURE" ? "bad" : "warn";
  return <span className={`status status-${tone}`}>{kind}</span>;
}

export function RunLink({ dagsterUrl, runId }: { dagsterUrl: string | null; runId: string | null }) {
  if (!runId) return <span className="muted">–</span>;
  const short = shortRunId(runId);
  if (!dagsterUrl) return <code title={runId}>{short}</code>;
  return (
    <a href={dagsterRunUrl(dagsterUrl, runId)} target="_blank" rel="noreferrer" title={runId}>
      run {short}
    </a>
  );
}
