"""The page's bundle committed in the package is built from the frontend sources as they are.

`frontend/scripts/build-info.mjs` writes `lineage_core/server/static/build-info.json` with the
SHA-256 of the sources at build time; this test computes it again, the same way: the files
(index.html, package.json, package-lock.json, vite.config.ts, tsconfig*.json and everything
under src/), as paths relative to frontend/ sorted by their UTF-8 bytes, each as the line
"<path>\\n<sha256 of its bytes>\\n", and the SHA-256 of those lines.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "lineage_core" / "server" / "static"
REBUILD = "cd frontend && npm ci && npm run build"
TOP_LEVEL = re.compile(
    r"^(index\.html|package\.json|package-lock\.json|vite\.config\.ts|tsconfig(\.[\w-]+)?\.json)$",
    re.ASCII,
)
BUNDLE_LIMIT = 1_000_000  # bytes of JavaScript and CSS together


def source_files() -> list[str]:
    top = [path for path in FRONTEND.iterdir() if path.is_file() and TOP_LEVEL.match(path.name)]
    nested = [path for path in (FRONTEND / "src").rglob("*") if path.is_file()]
    names = [path.relative_to(FRONTEND).as_posix() for path in top + nested]
    return sorted(names, key=lambda name: name.encode())


def source_hash(files: list[str]) -> str:
    total = hashlib.sha256()
    for name in files:
        digest = hashlib.sha256((FRONTEND / name).read_bytes()).hexdigest()
        total.update(f"{name}\n{digest}\n".encode())
    return total.hexdigest()


def build_info() -> dict:
    return json.loads((STATIC / "build-info.json").read_text())


def test_committed_bundle_is_built_from_the_current_sources() -> None:
    files = source_files()
    info = build_info()
    assert info["sourceSha256"] == source_hash(files), (
        "lineage_core/server/static/ was built from other frontend sources than frontend/ "
        f"holds now; rebuild it: {REBUILD}"
    )
    assert info["sourceFiles"] == len(files)


def test_bundle_is_complete_small_and_without_source_maps() -> None:
    bundle = sorted(
        path.relative_to(STATIC).as_posix()
        for path in STATIC.rglob("*")
        if path.is_file() and path.name != "build-info.json"
    )
    assert bundle == sorted(build_info()["bundle"]), f"stale files in the bundle: {REBUILD}"
    assert not [name for name in bundle if name.endswith(".map")]
    index = (STATIC / "index.html").read_text()
    referenced = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', index)
    assert {Path(name).suffix for name in referenced} == {".js", ".css"}
    assert all((STATIC / name).is_file() for name in referenced)
    size = sum((STATIC / name).stat().st_size for name in bundle if name.startswith("assets/"))
    assert size < BUNDLE_LIMIT, f"the bundle grew to {size} bytes"
    # Nothing is fetched from elsewhere: no CDN, no web font.
    for name in bundle:
        text = (STATIC / name).read_text(errors="replace")
        assert not re.search(r"""(?:src|href)=["']https?://|@import\s+url\(["']?https?://""", text)
        assert "fonts.googleapis" not in text


def test_bundle_is_installed_with_the_package() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["lineage_core"]
    for path in STATIC.rglob("*"):
        if path.is_file():
            name = path.relative_to(ROOT / "lineage_core").as_posix()
            assert any(fnmatch(name, pattern) for pattern in patterns), name
