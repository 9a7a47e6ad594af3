"""Persons as officers see them, their source records, status, priority and cases."""
