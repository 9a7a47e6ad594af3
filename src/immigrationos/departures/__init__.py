"""The real-time departure and arrival feed: event schema, border, verification (no Django)."""
