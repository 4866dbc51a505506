// Writes lineage_core/server/static/build-info.json: the SHA-256 of the sources the bundle was
// built from, so that a test can tell a committed bundle older than its sources.
//
// The hash (tests/server/test_bundle.py computes the same): the files, as paths relative to
// frontend/ with "/" separators, sorted by their UTF-8 bytes; for each, the line
// "<path>\n<sha256 of its bytes, hex>\n"; the SHA-256 of all those lines.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const frontend = join(dirname(fileURLToPath(import.meta.url)), "..");
const staticDir = join(frontend, "..", "lineage_core", "server", "static");

const TOP_LEVEL = /^(index\.html|package\.json|package-lock\.json|vite\.config\.ts|tsconfig(\.[\w-]+)?\.json)$/;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : [];
  });
}

export function sourceFiles() {
  const top = readdirSync(frontend).filter((name) => TOP_LEVEL.test(name) && statSync(join(frontend, name)).isFile());
  const files = [...top.map((name) => join(frontend, name)), ...walk(join(frontend, "src"))];
  return files
    .map((path) => relative(frontend, path).split(sep).join("/"))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export function sourceHash(files) {
  const total = createHash("sha256");
  for (const path of files) {
    const digest = createHash("sha256").update(readFileSync(join(frontend, path))).digest("hex");
    total.update(`${path}\n${digest}\n`);
  }
  return total.digest("hex");
}

const files = sourceFiles();
const bundle = walk(staticDir)
  .map((path) => relative(staticDir, path).split(sep).join("/"))
  .filter((path) => path !== "build-info.json")
  .sort();
const info = {
  sourceSha256: sourceHash(files),
  sourceFiles: files.length,
  bundle,
  rebuild: "cd frontend && npm ci && npm run build",
};
writeFileSync(join(staticDir, "build-info.json"), `${JSON.stringify(info, null, 2)}\n`);
console.log(`build-info.json: ${info.sourceSha256} over ${files.length} files`);
