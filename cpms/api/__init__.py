"""The Public API edge: routing, validation and responses derived from the contract."""
