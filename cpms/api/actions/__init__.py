"""Public API actions: operations that ask a charger (or the domain) to do something."""
