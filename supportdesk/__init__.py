"""supportdesk: a terminal help desk."""

__version__ = "0.1.0"
