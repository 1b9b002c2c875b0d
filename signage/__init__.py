"""Lobby signage player: Chinese notices, documents, meetings and photos, full screen."""

__version__ = "0.1.0"
