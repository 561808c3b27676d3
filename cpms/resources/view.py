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

from cpms.resources.document import MISSING, copy_tree, get_parts, get_path, pop_parts, pop_path, set_parts, set_path

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
        # every renamed value read before any is written: a wire name may be another property's canonical name
        moved = [(wire, get_parts(doc, canonical)) for wire, canonical in self._moves]
        out = doc if owned else copy_tree(doc)
        for wire, value in moved:
            if value is not MISSING:
                set_parts(out, wire, value)
            else:
                # the wire name may also be a canonical name of another property: not this one's value
                pop_parts(out, wire)
        for wire, inverse in self._inverse:
            value = get_parts(out, wire)
            if value is not MISSING:
                set_parts(out, wire, _map_value(value, inverse))
        if self.to_wire_hook:
            out = self.to_wire_hook(out)
        return out

    def filter_value(self, wire: str, value: Any) -> Any:
        mapping = self.values.get(wire)
        return _map_value(value, mapping) if mapping else value


IDENTITY = View()


def _map_value(value: Any, mapping: dict[Any, Any]) -> Any:
    if isinstance(value, list):
        return [mapping.get(v, v) for v in value]
    return mapping.get(value, value)


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


