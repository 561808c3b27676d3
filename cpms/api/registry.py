"""operationId -> handler: the one table the HTTP edge dispatches on.

Resources are bound here (`bind`), hand-written operations register with `@operation(id)`.
An operation of the contract with no handler answers 501.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from cpms.api.call import Call, Reply

Handler = Callable[[Call], Awaitable[Reply | dict[str, Any] | None]]


class Registry:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.bindings: list[Any] = []

    def add(self, operation_id: str, handler: Handler) -> None:
        from cpms.contract import load_contract

        if operation_id not in load_contract().by_id:
            raise KeyError(f"{operation_id} is not an operation of the contract")
        if operation_id in self.handlers:
            raise ValueError(f"{operation_id} has two handlers")
        self.handlers[operation_id] = handler

    def operation(self, operation_id: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.add(operation_id, fn)
            return fn

        return decorate

    def bind(self, resource: Any, path: str, *, view: Any = None, parents: dict[str, Any] | None = None,
             only: set[str] | None = None, skip: set[str] | None = None) -> Any:
        """Serve the CRUD operations at `path` and `path/{id}` from a declared resource."""
        from cpms.resources.binding import KINDS, Binding, operations_at
        from cpms.resources.view import IDENTITY

        ops = operations_at(path)
        if not ops:
            raise KeyError(f"no contract operations at {path}")
        binding = Binding(resource=resource, path=path, view=view or IDENTITY, parents=parents or {})
        for op, kind, item_param in ops:
            if (only and op.operation_id not in only) or (skip and op.operation_id in skip):
                continue
            generic = KINDS.get((kind, op.method))
            if generic is None:
                continue
            if item_param:
                binding.item_param = item_param
            self.add(op.operation_id, functools.partial(generic, binding))
        self.bindings.append(binding)
        return binding


registry = Registry()
