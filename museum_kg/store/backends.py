"""`open_backend(settings)`: the embedded store, or the remote engine when `backend` is set."""

from __future__ import annotations

from museum_kg.settings import Settings
from museum_kg.store.base import Backend


def open_backend(settings: Settings) -> Backend:
    """The backend `settings` describe; the caller closes it."""
    if settings.backend:
        from museum_kg.store.remote import RemoteBackend

        return RemoteBackend(settings)
    from museum_kg.store.embedded import EmbeddedBackend

    return EmbeddedBackend(settings)
