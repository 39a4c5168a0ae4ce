"""The maintainer's navigation: one entry per area, shown once the area's URL exists."""

from django.urls import NoReverseMatch, reverse

MAINTAINER_LINKS = [
    ("curation:render-start", "Render forms"),
    ("curation:review-adjudication", "Adjudication"),
    ("curation:packet-list", "Packets"),
    ("curation:withdrawal-list", "Withdrawals"),
    ("curation:scene-run-list", "Scenes"),
    ("curation:release-list", "Releases"),
    ("curation:scoring-list", "Scoring"),
]


def maintainer_links(request):
    links = []
    for name, label in MAINTAINER_LINKS:
        try:
            links.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return {"maintainer_links": links}
