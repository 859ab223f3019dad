"""Event contracts of leadstream: every topic's pydantic model, the feature spec, topic names.

This package imports nothing else of ours; every other package may import it.
"""
