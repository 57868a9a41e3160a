"""Routers mounted under ``/api/v1``."""
