"""Identity resolution with splink over DuckDB (no Django)."""
