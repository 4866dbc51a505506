import { useEffect, useRef, useState } from "react";

import { isAbort, type Api } from "../lib/api.ts";
import type { Asset } from "../lib/types.ts";

const FIRST = 100;

/** The start page's list of known assets, for a store small enough to browse. */
export function AssetList({
  api,
  onOpen,
  onError,
}: {
  api: Api;
  onOpen: (asset: Asset) => void;
  onError: (error: unknown) => void;
}) {
  const [assets, setAssets] = useState<Asset[] | null>(null);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;
  useEffect(() => {
    const controller = new AbortController();
    api
      .assets("", FIRST, controller.signal)
      .then((answer) => setAssets(answer.assets))
      .catch((error) => {
        if (!isAbort(error)) onErrorRef.current(error);
      });
    return () => controller.abort();
  }, [api]);
  if (assets === null) return <p className="muted">Loading assets…</p>;
  if (assets.length === 0) {
    return <p className="muted">No lineage captured yet: run a job that reads or writes tables.</p>;
  }
  return (
    <section aria-labelledby="asset-list-title" className="asset-list">
      <h2 id="asset-list-title">
        {assets.length < FIRST ? `${assets.length} known assets` : `The first ${FIRST} assets`}
      </h2>
      <ul>
        {assets.map((asset) => (
          <li key={asset.id}>
            <button type="button" className="link" onClick={() => onOpen(asset)}>
              {asset.qualifiedName}
            </button>
            <span className="muted"> {asset.type}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
