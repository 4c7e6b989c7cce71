"""Hashes of the extension's sources and of its built output (src/newslit/labextension).

``npm run build`` ends with ``python3 manifest.py``, which writes build-manifest.json; the test
tests/test_labextension.py recomputes both sides, so a source changed without a rebuild, or a
built file changed by hand, fails.
"""

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILT = HERE.parent / "src" / "newslit" / "labextension"
SOURCES = ["package.json", "package-lock.json", "tsconfig.json", "src"]
MANIFEST = HERE / "build-manifest.json"


def _hashes(root: Path, names) -> dict[str, str]:
    files = sorted(p for n in names for p in ([root / n] if (root / n).is_file() else (root / n).rglob("*"))
                   if p.is_file())
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def manifest(built: Path = BUILT) -> dict:
    """{"sources": {path: sha256}, "built": {path: sha256}} as the files are now."""
    return {"sources": _hashes(HERE, SOURCES), "built": _hashes(built, ["package.json", "static"])}


if __name__ == "__main__":
    MANIFEST.write_text(json.dumps(manifest(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {MANIFEST.name}")
