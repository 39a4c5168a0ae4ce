"""MM-Privacy benchmark library: identities, forms, photos, scenes, releases, scoring.

Plain Python, usable from a notebook or `python -m benchmark`; never imports Django.
"""

__version__ = "0.1.0"
