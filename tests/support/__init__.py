"""Test support: database backends, the contract checker, a real server process, factories."""
