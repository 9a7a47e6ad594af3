"""Public benchmark data sets linked with ImmigrationOS's approach and with a splink baseline."""
