"""Imports every handler module so that their @on registrations exist."""

from cpms.ocpp.v16 import commands as _v16_commands  # noqa: F401
from cpms.ocpp.v16 import core as _v16_core  # noqa: F401
from cpms.ocpp.v16 import data_transfer, firmware, security, status  # noqa: F401
from cpms.ocpp.v16 import reservations, transactions  # noqa: F401
from cpms.ocpp.v16 import configuration, local_list, remote, smart_charging  # noqa: F401
from cpms.ocpp.v201 import core as _v201_core  # noqa: F401
from cpms.ocpp.v201 import authorization as _a201, reservations as _r201, transactions as _t201  # noqa: F401
