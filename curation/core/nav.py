"""The navigation: each role's entries (an area's entry shows once its URL exists), with
the entry for the page being shown marked current."""

from django.urls import NoReverseMatch, reverse

from curation.core.roles import ANNOTATOR, MAINTAINER, VOLUNTEER, user_roles

NAVIGATION = [
    ("curation:overview", "Overview", MAINTAINER),
    ("curation:identity-list", "Identities", MAINTAINER),
    ("curation:image-list", "Images", MAINTAINER),
    ("curation:render-start", "Render forms", MAINTAINER),
    ("curation:review-adjudication", "Adjudication", MAINTAINER),
    ("curation:packet-list", "Packets", MAINTAINER),
    ("curation:withdrawal-list", "Withdrawals", MAINTAINER),
    ("curation:scene-run-list", "Scenes", MAINTAINER),
    ("curation:release-list", "Releases", MAINTAINER),
    ("curation:scoring-list", "Scoring", MAINTAINER),
    ("curation:run-list", "Runs", MAINTAINER),
    ("curation:review-next", "Review", ANNOTATOR),
    ("curation:packet-mine", "My packets", VOLUNTEER),
]


def navigation(request):
    """`nav_links` for the signed-in user: the longest entry the path starts with is current."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    links = []
    for name, label, role in NAVIGATION:
        if role not in roles and not (role == ANNOTATOR and MAINTAINER in roles):
            continue
        try:
            links.append({"url": reverse(name), "label": label, "current": False})
        except NoReverseMatch:
            continue
    matching = [link for link in links if request.path.startswith(link["url"])]
    if matching:
        max(matching, key=lambda link: len(link["url"]))["current"] = True
    return {"nav_links": links}
