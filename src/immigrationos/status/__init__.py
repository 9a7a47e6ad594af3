"""Immigration status on any date, from rules with evidence (no Django)."""
