import assert from "node:assert/strict";
import { test } from "node:test";

import { SseParser, streamEvents } from "../src/lib/sse.ts";

test("events, comments and multi-line data", () => {
  const parser = new SseParser();
  const messages = parser.push(': heartbeat\n\nid: 7\nevent: run_captured\ndata: {"a":\ndata: 1}\n\nevent: assets_changed\ndata: {}\n\n');
  assert.deepEqual(messages, [
    { event: "run_captured", data: '{"a":\n1}', id: "7" },
    { event: "assets_changed", data: "{}", id: "7" },
  ]);
});

test("chunks split anywhere, CRLF and lone CR line ends", () => {
  const text = "event: run_captured\r\ndata: x\r\n\r\ndata: y\r\rdata: z\n\n";
  const parser = new SseParser();
  const messages = [...text].flatMap((char) => parser.push(char));
  assert.deepEqual(
    messages.map((m) => [m.event, m.data]),
    [
      ["run_captured", "x"],
      ["message", "y"],
      ["message", "z"],
    ],
  );
});

test("a stream is read to its end, bytes reported", async () => {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("event: a\ndata: 1\n"));
      controller.enqueue(encoder.encode("\n: ping\n\n"));
      controller.close();
    },
  });
  const seen: string[] = [];
  let chunks = 0;
  await streamEvents(body, (m) => seen.push(`${m.event}=${m.data}`), new AbortController().signal, () => chunks++);
  assert.deepEqual(seen, ["a=1"]);
  assert.equal(chunks, 2);
});
