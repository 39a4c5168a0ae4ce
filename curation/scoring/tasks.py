"""The scoring job (see curation.core.jobs); the work is services.response_set_score."""

from curation.scoring import services
from curation.scoring.models import ResponseSet


def score_response_set_job(run, *, response_set_id: int) -> dict:
    response_set = ResponseSet.objects.select_related("release").get(pk=response_set_id)
    return services.response_set_score(run, response_set)
