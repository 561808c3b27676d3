"""Nested documents addressed by dotted paths ("network.id")."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

MISSING: Any = object()


def get_path(doc: dict[str, Any], dotted: str, default: Any = MISSING) -> Any:
    return get_parts(doc, dotted.split("."), default)


def set_path(doc: dict[str, Any], dotted: str, value: Any) -> None:
    set_parts(doc, dotted.split("."), value)


def pop_path(doc: dict[str, Any], dotted: str, default: Any = MISSING) -> Any:
    return pop_parts(doc, dotted.split("."), default)


# The same on a path split once ahead of time (views and shapers run them for every document).

def get_parts(doc: dict[str, Any], parts: Sequence[str], default: Any = MISSING) -> Any:
    node: Any = doc
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_parts(doc: dict[str, Any], parts: Sequence[str], value: Any) -> None:
    node = doc
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def pop_parts(doc: dict[str, Any], parts: Sequence[str], default: Any = MISSING) -> Any:
    node: Any = doc
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        return default
    return node.pop(parts[-1])


def has_path(doc: dict[str, Any], dotted: str) -> bool:
    return get_path(doc, dotted) is not MISSING


def copy_tree(value: Any) -> Any:
    """A copy of a JSON-like document: every dict and list new, the values in them shared.

    Documents hold only dicts, lists and immutable scalars, so this is a deep copy for them, at
    a fraction of `copy.deepcopy`'s cost (it runs for every document of every answer).
    """
    if isinstance(value, dict):
        return {k: copy_tree(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [copy_tree(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A new document: objects merged key by key, everything else (lists too) replaced."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def prune_empty(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop empty nested objects left behind after columns were taken out of a document."""
    out = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            value = prune_empty(value)
            if not value:
                continue
        out[key] = value
    return out
