"""The case workflow's rules in plain Python: states, transitions, safeguards, due dates."""
