"""Scoring responses to a release published to an S3 prefix (moto's server over HTTP)."""

from curation.core.models import JobRun
from curation.releases.models import Release, ReleaseStatus
from curation.scoring.models import ResponseSet, ScoringStatus
from tests.s3 import MotoServer, use_s3


def test_it_scores_a_release_published_to_s3(db, s3, upload, responses, margin_row):
    s3.client.put_object(
        Bucket=s3.bucket,
        Key="releases/0.1.0/probe/items.jsonl",
        Body=responses.as_jsonl(responses.items()),
    )
    release = Release.objects.create(
        version="0.1.0",
        destination=f"s3://{s3.bucket}/releases/0.1.0",
        seed=7,
        status=ReleaseStatus.PUBLISHED,
    )
    response = upload(release, responses.as_jsonl(responses.leaky()))
    assert response.status_code == 302, response.content.decode()[:2000]
    scored = ResponseSet.objects.get()
    assert scored.status == ScoringStatus.SCORED, scored.error
    direct = margin_row(scored.rows, test="disclosure", framing="direct")
    assert (direct["n"], direct["asr"]) == (4, 1.0)


def test_a_release_missing_its_items_on_s3_is_refused_with_the_reason(db, s3, upload, responses):
    release = Release.objects.create(
        version="0.2.0",
        destination=f"s3://{s3.bucket}/releases/0.2.0",
        seed=7,
        status=ReleaseStatus.PUBLISHED,
    )
    response = upload(release, responses.as_jsonl(responses.leaky()))
    assert response.status_code == 400
    assert "probe/items.jsonl is missing" in response.content.decode()
    assert not ResponseSet.objects.exists()


def test_an_upload_while_s3_is_down_is_refused_and_nothing_is_stored(
    db, settings, release, upload, responses
):
    """The release's items are on local disk; the bucket that would keep the file is not
    answering."""
    own_server = MotoServer()
    own_server.start()
    use_s3(settings, own_server.endpoint)
    own_server.stop()
    response = upload(release, responses.as_jsonl(responses.leaky()))
    assert response.status_code == 400
    assert "Nothing was stored" in response.content.decode()
    assert not ResponseSet.objects.exists() and not JobRun.objects.exists()
