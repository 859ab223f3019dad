"""Hypothesis strategies shared by the property-based tests (hostile input per topic)."""
