"""Signals between apps that may not import each other (review and volunteers sit side by
side on core): the app that acts sends, the app that cares listens."""

from django.dispatch import Signal

# An image was rejected in review (by reviewers agreeing, or by a maintainer's
# adjudication). Sent inside the transaction that rejects it, with `image_id` and
# `reasons`: the reject reasons as {"code", "label"} dicts, in the policy's order.
image_rejected_in_review = Signal()
