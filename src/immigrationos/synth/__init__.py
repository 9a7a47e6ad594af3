"""Synthetic population and source extracts with ground truth (no Django)."""
