"""The initial schema, one module per tables module (generated)."""
