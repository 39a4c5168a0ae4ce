"""Demo data for the review area: the machine reading of every image a release's rule
needs (the reading jobs, run here in turn, as a worker would), default policies, and with
--accept-all every pending image accepted by the demo annotators (through the queue, so the
reviews exist)."""

from django.conf import settings
from django.contrib.auth.models import User

from curation.core import reading
from curation.review import selectors, services

DEMO_ANNOTATORS = ["annotator", "annotator2"]


def seed(say, options) -> None:
    if settings.READ_ON_ARRIVAL:
        say(f"Machine reading: {reading.read_unread_now(say)} image(s) read.")
    selectors.policies()
    if not options.get("accept_all"):
        return
    annotators = list(User.objects.filter(username__in=DEMO_ANNOTATORS).order_by("username"))
    if not annotators:
        say("Review: no demo annotators to accept images with (run the core demo first).")
        return
    decided = services.review_accept_all(annotators=annotators)
    left = selectors.progress(annotators[0])["left"]
    say(
        f"Review: {decided} decision(s) recorded as {', '.join(map(str, annotators))}; "
        f"{left} image(s) still pending."
    )
