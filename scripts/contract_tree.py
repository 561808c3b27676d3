"""Print an operation of the project's contract as an indented tree (a reading aid for developers).

Usage: python scripts/contract_tree.py OPERATION_ID [STATUS,...]
       python scripts/contract_tree.py PATH METHOD [STATUS,...]
"""

from __future__ import annotations

import json
import sys
from typing import Any

from cpms.contract import load_contract
from cpms.contract.schema import merge_all_of

FACETS = ("enum", "format", "nullable", "readOnly", "writeOnly", "default", "maxLength", "minimum", "maximum",
          "pattern", "minItems", "maxItems")


def tree(schema: dict[str, Any], indent: int = 0, name: str = "", required: bool = False) -> None:
    schema = merge_all_of(schema)
    facets = [f"{k}={schema[k]}" for k in FACETS if k in schema]
    alternatives = schema.get("oneOf") or schema.get("anyOf") or []
    if alternatives:
        facets.append(f"oneOf({len(alternatives)})")
    line = f"{'  ' * indent}{name}{'*' if required else ''}: {schema.get('type')} {' '.join(facets)}"
    print(line[:240])
    required_names = set(schema.get("required", []))
    for key, sub in (schema.get("properties") or {}).items():
        tree(sub, indent + 1, key, key in required_names)
    if schema.get("type") == "array" and "items" in schema:
        tree(schema["items"], indent + 1, "[]")
    for alt in alternatives:
        tree(alt, indent + 1, "|")


def main(argv: list[str]) -> int:
    contract = load_contract()
    if len(argv) >= 2 and argv[1] in contract.by_id:
        op, statuses = contract[argv[1]], argv[2] if len(argv) > 2 else None
    elif len(argv) >= 3:
        op = next(o for o in contract.operations if o.path == argv[1] and o.method == argv[2].upper())
        statuses = argv[3] if len(argv) > 3 else None
    else:
        print(__doc__)
        return 2
    print(f"{op.operation_id}  {op.method} {op.path}{'  (deprecated)' if op.deprecated else ''}")
    for p in op.parameters:
        print(f"PARAM {p.location} {p.name}{' required' if p.required else ''} {json.dumps(p.schema)[:300]}")
    if op.body_schema:
        print(f"BODY{' (required)' if op.body_required else ''}")
        tree(op.body_schema)
    for status, schema in op.responses.items():
        if statuses and status not in statuses.split(","):
            continue
        print(f"RESPONSE {status}")
        if schema:
            tree(schema)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
