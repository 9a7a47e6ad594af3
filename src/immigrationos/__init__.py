"""ImmigrationOS: identity resolution, status, priority and case management."""

__version__ = "0.1.0"
