"""A version of a resource on the wire, mapped to and from the canonical document.

The canonical document of a resource is the shape of its newest contract version. Older
versions (flat `networkId` instead of `network.id`, `active` instead of `enabled`, snake_case
request fields) are views: declared renames and value maps, applied in both directions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.resources.document import MISSING, copy_tree, get_path, pop_parts, pop_path, set_parts, set_path

Hook = Callable[[dict[str, Any]], dict[str, Any]]
Loader = Callable[[AsyncConnection, list[dict[str, Any]]], Awaitable[None]]


@dataclass(eq=False)
class View:
    # wire path -> canonical path, both directions
    renames: dict[str, str] = field(default_factory=dict)
    # wire path -> {wire value: canonical value}; lists are mapped item by item
    values: dict[str, dict[Any, Any]] = field(default_factory=dict)
    # request-only spellings (snake_case bodies answered in camelCase): wire key -> canonical path
    request_aliases: dict[str, str] = field(default_factory=dict)
    # extra translations for what renames cannot say
    to_wire_hook: Hook | None = None
    from_wire_hook: Hook | None = None
    # loaders for properties only this version shows (batch, like Resource.enrich)
    enrich: list[Loader] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._canon_to_wire = {c: w for w, c in self.renames.items()}
        # what to_wire does for every document of every answer, with the paths split and the value
        # maps inverted once here rather than per document
        self._moves = [(_parts(w), _parts(c)) for w, c in self.renames.items()]
        self._inverse = [(_parts(w), {c: v for v, c in mapping.items()}) for w, mapping in self.values.items()]
        self._plain = not self.renames and not self.values and not self.to_wire_hook
        self._mapped = _compile_to_wire(self._moves, self._inverse)

    def wire_name(self, canonical: str) -> str:
        """The name a client of this version uses for `canonical` (for error messages)."""
        if canonical in self._canon_to_wire:
            return self._canon_to_wire[canonical]
        for alias, target in self.request_aliases.items():
            if target == canonical:
                return alias
        return canonical

    def canonical_name(self, wire: str) -> str:
        return self.renames.get(wire) or self.request_aliases.get(wire) or wire

    def from_wire(self, body: dict[str, Any]) -> dict[str, Any]:
        doc = {k: v for k, v in body.items()}
        if self.from_wire_hook:
            doc = self.from_wire_hook(doc)
        for wire, mapping in self.values.items():
            value = get_path(doc, wire)
            if value is not MISSING:
                set_path(doc, wire, _map_value(value, mapping))
        # all wire names first, then all canonical ones: a version may reuse a name for another property
        moved = [(canonical, pop_path(doc, wire)) for wire, canonical in {**self.request_aliases, **self.renames}.items()]
        for canonical, value in moved:
            if value is not MISSING:
                set_path(doc, canonical, value)
        return doc

    def to_wire(self, doc: dict[str, Any], *, owned: bool = False) -> dict[str, Any]:
        """`doc` as this version shows it: a new document, or `doc` itself changed in place when
        the caller hands it over (`owned`: answered, then dropped), which spares a copy of every
        document of every page."""
        if self._plain:
            return doc
        out = self._mapped(doc if owned else copy_tree(doc))
        if self.to_wire_hook:
            out = self.to_wire_hook(out)
        return out

    def filter_value(self, wire: str, value: Any) -> Any:
        mapping = self.values.get(wire)
        return _map_value(value, mapping) if mapping else value



def _map_value(value: Any, mapping: dict[Any, Any]) -> Any:
    if isinstance(value, list):
        return [mapping.get(v, v) for v in value]
    return mapping.get(value, value)


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def _compile_to_wire(moves: list[tuple[tuple[str, ...], tuple[str, ...]]],
                     inverse: list[tuple[tuple[str, ...], dict[Any, Any]]]) -> Hook:
    """The renames and value maps of a view as one generated function, changing a document in place.

    It runs for every document of every answer of an older version (v1.0 charge points rename
    dozens of properties), so the paths are spelled out in straight-line code rather than walked
    by helpers, one call each. Every renamed value is read before any is written: a wire name may
    be another property's canonical name.
    """
    env: dict[str, Any] = {"MISSING": MISSING, "set_parts": set_parts, "pop_parts": pop_parts,
                           "map_value": _map_value}
    lines = ["def to_wire(doc):"]

    def read(target: str, parts: tuple[str, ...]) -> None:
        lines.append(f"    {target} = doc.get({parts[0]!r}, MISSING)")
        for part in parts[1:]:
            lines.append(f"    {target} = {target}.get({part!r}, MISSING) if isinstance({target}, dict) else MISSING")

    for n, (_wire, canonical) in enumerate(moves):
        read(f"moved_{n}", canonical)
    for n, (wire, _canonical) in enumerate(moves):
        env[f"wire_{n}"] = wire
        lines.append(f"    if moved_{n} is not MISSING:")
        lines.append(f"        doc[{wire[0]!r}] = moved_{n}" if len(wire) == 1
                     else f"        set_parts(doc, wire_{n}, moved_{n})")
        lines.append("    else:")
        lines.append(f"        doc.pop({wire[0]!r}, None)" if len(wire) == 1 else f"        pop_parts(doc, wire_{n})")
    for n, (wire, mapping) in enumerate(inverse):
        env[f"mapped_{n}"], env[f"mapped_wire_{n}"] = mapping, wire
        read(f"value_{n}", wire)
        lines.append(f"    if value_{n} is not MISSING:")
        lines.append(f"        doc[{wire[0]!r}] = map_value(value_{n}, mapped_{n})" if len(wire) == 1
                     else f"        set_parts(doc, mapped_wire_{n}, map_value(value_{n}, mapped_{n}))")
    lines.append("    return doc")
    exec(compile("\n".join(lines), "<view>", "exec"), env)  # noqa: S102 - source built from declared names only
    return env["to_wire"]  # type: ignore[no-any-return]


IDENTITY = View()
