"""Departure and arrival events in near real time: intake, matching and their effects."""
