import { useEffect, useRef, useState } from "react";

import { ApiError, isAbort, type Api } from "../lib/api.ts";
import { streamEvents } from "../lib/sse.ts";
import type { LineageEvent } from "../lib/types.ts";

export type LiveStatus = "off" | "connecting" | "live" | "retrying";

/** No byte for this long (the server's heartbeat is every 15 s): the stream is dead, reconnect. */
const STALL_MS = 40_000;
const MAX_BACKOFF_MS = 15_000;

/**
 * Subscribes to `/api/lineage/events` over `fetch` (with the bearer token) while `enabled`,
 * reconnecting with a growing delay (and `Last-Event-ID`, so no capture is missed); a 401 or
 * 403, or the server's `error` event, goes to `onError` and stops the loop.
 */
export function useLiveEvents(
  api: Api,
  enabled: boolean,
  token: string | null,
  onEvent: (event: LineageEvent) => void,
  onError: (error: ApiError) => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>("off");
  const handlers = useRef({ onEvent, onError });
  handlers.current = { onEvent, onError };

  useEffect(() => {
    if (!enabled) {
      setStatus("off");
      return;
    }
    const stop = new AbortController();
    let backoff = 1000;
    let lastEventId: string | undefined;
    let fatal = false;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        stop.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });

    const run = async () => {
      while (!stop.signal.aborted) {
        const attempt = new AbortController();
        const abortAttempt = () => attempt.abort();
        stop.signal.addEventListener("abort", abortAttempt);
        let stall = setTimeout(abortAttempt, STALL_MS);
        setStatus((current) => (current === "live" ? "retrying" : "connecting"));
        try {
          const body = await api.events(attempt.signal, lastEventId);
          setStatus("live");
          backoff = 1000;
          await streamEvents(
            body,
            (message) => {
              if (message.id) lastEventId = message.id;
              let data: LineageEvent["data"];
              try {
                data = JSON.parse(message.data) as LineageEvent["data"];
              } catch {
                return; // not JSON: not an event of ours
              }
              if (message.event === "error") {
                // The server ends the stream after telling why (the edition changed).
                const detail = (data as { detail?: string }).detail ?? "";
                handlers.current.onError(new ApiError(403, detail));
                fatal = true;
                return;
              }
              handlers.current.onEvent({ event: message.event, data });
            },
            attempt.signal,
            () => {
              clearTimeout(stall);
              stall = setTimeout(abortAttempt, STALL_MS);
            },
          );
        } catch (error) {
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            handlers.current.onError(error);
            setStatus("off");
            return;
          }
          if (!isAbort(error) && !(error instanceof TypeError) && !(error instanceof ApiError)) {
            console.warn("lineage events:", error);
          }
        } finally {
          clearTimeout(stall);
          stop.signal.removeEventListener("abort", abortAttempt);
        }
        if (stop.signal.aborted) return;
        if (fatal) {
          setStatus("off");
          return;
        }
        setStatus("retrying");
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    };
    void run();
    return () => stop.abort();
  }, [api, enabled, token]);

  return status;
}
