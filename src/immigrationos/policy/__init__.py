"""Versioned enforcement-priority policy with reasons and protections (no Django)."""
