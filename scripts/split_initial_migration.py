"""Split the generated initial revision into one module of schema steps per table module.

Alembic's autogenerate writes the whole schema as one revision file; until the first release that
file is regenerated (scripts/regen-initial-migration.sh) and this script then moves each table's
statements into `cpms/storage/migrations/initial/<module>.py` (the module of
`cpms/storage/tables` that declares the table), so the schema reads by responsibility. The
revision keeps the order: modules are applied in the order their tables first appear (foreign keys
point backwards), and dropped in reverse.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INITIAL = ROOT / "cpms/storage/migrations/initial"
TABLES = ROOT / "cpms/storage/tables"
HEADER = '"""Initial schema: the tables of cpms/storage/tables/{name}.py. Generated: {script}."""\n\n' \
         "from alembic import op\nimport sqlalchemy as sa\nimport cpms.storage.types  # noqa: F401\n\n"


def owners() -> dict[str, str]:
    """table name -> the tables module whose source declares it (`Table("name", ...)`)."""
    found: dict[str, str] = {}
    for path in sorted(TABLES.glob("*.py")):
        for name in re.findall(r'Table\(\s*"(\w+)"', path.read_text()):
            found[name] = path.stem
    return found


def table_of(node: ast.stmt) -> str:
    call = node.items[0].context_expr if isinstance(node, ast.With) else node.value  # type: ignore[attr-defined]
    return ast.literal_eval(call.args[0])


def split(revision: Path) -> None:
    source = revision.read_text()
    tree = ast.parse(source)
    where = owners()
    bodies: dict[str, dict[str, list[str]]] = {}
    order: dict[str, list[str]] = {"upgrade": [], "downgrade": []}
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        for stmt in fn.body:
            module = where[table_of(stmt)]
            if module not in bodies.setdefault(fn.name, {}):
                order[fn.name].append(module)
            text = ast.get_source_segment(source, stmt, padded=True) or ""
            bodies[fn.name].setdefault(module, []).append("    " + text.lstrip())
    INITIAL.mkdir(exist_ok=True)
    for old in INITIAL.glob("*.py"):
        old.unlink()
    (INITIAL / "__init__.py").write_text('"""The initial schema, one module per tables module (generated)."""\n')
    for module in order["upgrade"]:
        text = HEADER.format(name=module, script="scripts/split_initial_migration.py")
        for fn in ("upgrade", "downgrade"):
            text += f"\ndef {fn}() -> None:\n" + "\n".join(bodies[fn][module]) + "\n\n"
        (INITIAL / f"{module}.py").write_text(text.rstrip() + "\n")
    head = source[: source.index("from alembic import op")]
    imports = "".join(f"    {m},\n" for m in order["upgrade"])
    calls = {fn: "\n".join(f"    {m}.{fn}()" for m in order[fn]) for fn in order}
    revision.write_text(
        f"{head}from cpms.storage.migrations.initial import (\n{imports})\n\n"
        + "\n".join(line for line in source.splitlines() if line.startswith(("revision", "down_revision",
                                                                              "branch_labels", "depends_on")))
        + f"\n\n\ndef upgrade() -> None:\n{calls['upgrade']}\n\n\ndef downgrade() -> None:\n{calls['downgrade']}\n")


if __name__ == "__main__":
    split(Path(sys.argv[1]))
