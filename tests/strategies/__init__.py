"""Hypothesis strategies shared by the property-based tests (hostile input per topic):
``hostile`` (any bytes, any JSON, edge values), ``leads`` (near-valid lead events),
``records`` (whole records: key, value, headers, timestamp), ``signing`` (signature
headers) and ``grades`` (grade scales)."""
