"""Imports every module of the version packages (v16/, v201/) so that their @on handlers and
@translates commands are registered: a new module is picked up by being there, not by a list
kept in step by hand."""

import importlib
import pkgutil

from cpms.ocpp import v16, v201

for _package in (v16, v201):
    for _module in pkgutil.iter_modules(_package.__path__):
        importlib.import_module(f"{_package.__name__}.{_module.name}")
