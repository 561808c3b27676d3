"""The OCPP gateway: WebSocket connections of chargers, OCPP 1.6J and 2.0.1 over one endpoint.

Layers, from the wire inwards:
    endpoint.py    the ASGI WebSocket: identity, Basic auth, subprotocol, one Connection each
    connection.py  framing, validation both ways, CALLERROR codes, calls to the charger
    routing.py     action -> handler, per protocol version (handlers live in v16/, v201/)
    gateway.py     the component: live connections, commands from the API, liveness
The handlers translate OCPP messages into calls of cpms.domain, which knows no protocol.
"""
