"""newslit: helpers for a media-literacy course built on one DW article (June 2024)."""

__version__ = "0.1.0"
