import { useCallback, useEffect, useRef, useState } from "react";

import {
  onlyDepthChanged,
  parseViewState,
  sameView,
  serializeViewState,
  type ViewState,
} from "../lib/urlState.ts";

/** Depth steps closer together than this make one history entry. */
const DEPTH_COALESCE_MS = 1000;

function urlOf(view: ViewState): string {
  return `${window.location.pathname}${serializeViewState(view)}`;
}

/** The view kept in the URL: each change a history entry, so that back and forward work. */
export function useViewState(): [ViewState, (next: ViewState) => void] {
  const [view, setView] = useState(() => parseViewState(window.location.search));
  const current = useRef(view);
  const lastChange = useRef({ at: 0, depthOnly: false });

  useEffect(() => {
    // A deep link missing direction or depth is written out in full, in place.
    const full = urlOf(current.current);
    if (current.current.asset && full !== `${window.location.pathname}${window.location.search}`) {
      window.history.replaceState(null, "", full);
    }
    const onPop = () => {
      const next = parseViewState(window.location.search);
      current.current = next;
      lastChange.current = { at: 0, depthOnly: false };
      setView(next);
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const navigate = useCallback((next: ViewState) => {
    const previous = current.current;
    if (sameView(previous, next)) return;
    const now = performance.now();
    const depthOnly = onlyDepthChanged(previous, next);
    const coalesce =
      depthOnly && lastChange.current.depthOnly && now - lastChange.current.at < DEPTH_COALESCE_MS;
    if (coalesce) window.history.replaceState(null, "", urlOf(next));
    else window.history.pushState(null, "", urlOf(next));
    lastChange.current = { at: now, depthOnly };
    current.current = next;
    setView(next);
  }, []);

  return [view, navigate];
}
