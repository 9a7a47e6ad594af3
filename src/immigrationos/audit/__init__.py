"""Audit events: who read or changed what, when and from where."""
