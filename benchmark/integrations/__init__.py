"""Bridges to other evaluation tools; each needs its own optional extra (`.[inspect]`).

Importing this package imports none of them: `inspect_task` needs inspect_ai.
"""
