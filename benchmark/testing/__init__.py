"""Test helpers other packages can reuse: shared corpora and independent checks."""
