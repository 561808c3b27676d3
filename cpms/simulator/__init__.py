"""`cpms simulate`: OCPP chargers in one process, for demos, tests and load.

- `charger.py`: one charger's WebSocket and OCPP-J framing (raw JSON frames), calls and
  reconnection; knows nothing of any OCPP version.
- `behaviour.py`: what every simulated charger has (EVSEs, sessions, configuration) and the
  messages a behaviour must know how to say; `v16.py` and `v201.py` are the sibling behaviours.
- `scenario.py`: the life of an EVSE (idle, plug in, authorize, charge with a plausible power
  curve, stop, unplug), written once in version-neutral terms.
- `provision.py`: makes sure the charge points and id tags exist, through the Public API.
- `progress.py`: counters and the live status line.
"""
