"""Source contracts, readers and normalisation for the agency's extracts (no Django)."""
