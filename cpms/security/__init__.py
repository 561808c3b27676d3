"""Secrets the server keeps: how they are hashed, compared and never given back."""
