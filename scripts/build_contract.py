"""Derive cpms's own contract file from the vendor's OpenAPI document.

The vendor's document mixes facts (paths, parameters, schemas, enums, defaults) with prose.
cpms keeps only the facts: every human-readable text (descriptions, summaries, examples,
titles, vendor extensions) is dropped, so the project holds a machine contract of its own.

Usage: python scripts/build_contract.py SOURCE.json [cpms/contract/openapi.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PROSE_KEYS = {"description", "summary", "example", "examples", "title", "externalDocs"}
# Maps whose keys are names chosen by the author (a property called "description" is a fact).
NAME_MAPS = {"properties", "paths", "responses", "content", "callbacks", "headers", "encoding",
             "variables", "patternProperties", "definitions", "schemas", "parameters",
             "securitySchemes", "requestBodies"}
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "cpms" / "contract" / "openapi.json"


def strip(node: Any, *, name_map: bool = False) -> Any:
    """Return `node` without prose; `name_map` marks a dict keyed by author-chosen names."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if name_map:
            # Callback maps hold runtime expressions, whose values are path items.
            out[key] = strip(value)
            continue
        if key in PROSE_KEYS or key.startswith("x-"):
            continue
        if key == "parameters" and isinstance(value, list):
            out[key] = strip(value)
        elif key == "callbacks":
            out[key] = {cb: {expr: strip(item) for expr, item in exprs.items()}
                        for cb, exprs in value.items()}
        else:
            out[key] = strip(value, name_map=key in NAME_MAPS)
    return out


def build(source: dict[str, Any]) -> dict[str, Any]:
    """Keep the structural skeleton of the document: info version, security, paths, components."""
    paths = {}
    for path, item in source["paths"].items():
        kept = {}
        for method, op in item.items():
            if method in METHODS or method == "parameters":
                kept[method] = strip(op)
        for method in METHODS & kept.keys():
            kept[method].pop("tags", None)
            tags = item[method].get("tags") or []
            if tags:
                kept[method]["tags"] = tags
        paths[path] = kept
    return {
        "openapi": source["openapi"],
        "info": {"title": "cpms Public API", "version": source["info"]["version"]},
        "security": source.get("security", []),
        "tags": [{"name": t["name"]} for t in source.get("tags", [])],
        "paths": paths,
        "components": {
            "securitySchemes": strip(source["components"].get("securitySchemes", {}), name_map=True),
        },
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = json.loads(Path(argv[1]).read_text())
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    contract = build(source)
    out.write_text(json.dumps(contract, indent=0, separators=(",", ":"), ensure_ascii=False) + "\n")
    ops = sum(1 for item in contract["paths"].values() for m in item if m in METHODS)
    print(f"wrote {out} ({ops} operations, {out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
