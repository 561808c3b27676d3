"""A segment trie over the contract's paths: literal segments win over parameters.

Starlette's router tries each route's regex in turn; with ~450 routes that is a linear scan
on every request. The trie costs one dict lookup per path segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Node(Generic[T]):
    literals: dict[str, "_Node[T]"] = field(default_factory=dict)
    param: "_Node[T] | None" = None
    # method -> (target, names of the path parameters in order); names differ across versions.
    methods: dict[str, tuple[T, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Match(Generic[T]):
    target: T | None
    params: dict[str, str]
    allowed: tuple[str, ...]


class Router(Generic[T]):
    def __init__(self) -> None:
        self._root: _Node[T] = _Node()

    def add(self, method: str, path: str, target: T) -> None:
        node, names = self._root, []
        for segment in _segments(path):
            if segment.startswith("{") and segment.endswith("}"):
                names.append(segment[1:-1])
                node.param = node.param or _Node()
                node = node.param
            else:
                node = node.literals.setdefault(segment, _Node())
        if method.upper() in node.methods:
            raise ValueError(f"duplicate route {method} {path}")
        node.methods[method.upper()] = (target, tuple(names))

    def match(self, method: str, path: str) -> Match[T] | None:
        """The target for (method, path); None when no path matches, target None on a wrong method."""
        values: list[str] = []
        node = self._walk(self._root, _segments(path), 0, values)
        if node is None:
            return None
        method = method.upper()
        entry = node.methods.get(method) or (node.methods.get("GET") if method == "HEAD" else None)
        if entry is None:
            return Match(None, {}, tuple(sorted(node.methods)))
        target, names = entry
        return Match(target, dict(zip(names, values)), tuple(sorted(node.methods)))

    def _walk(self, node: _Node[T], segments: list[str], i: int, values: list[str]) -> _Node[T] | None:
        if i == len(segments):
            return node if node.methods else None
        segment = segments[i]
        child = node.literals.get(segment)
        if child is not None:
            found = self._walk(child, segments, i + 1, values)
            if found is not None:
                return found
        if node.param is not None and segment:
            values.append(segment)
            found = self._walk(node.param, segments, i + 1, values)
            if found is not None:
                return found
            values.pop()
        return None


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")
