"""The review area's demo seed: --accept-all accepts every pending image through the queue."""

from curation.core.models import Image, ImageStatus
from curation.review import demo
from curation.review.models import Review


def test_accept_all_accepts_every_pending_image_with_reviews(make_user, make_image):
    make_user("annotator", "annotator")
    make_user("annotator2", "annotator")
    images = [make_image("photo"), make_image("diffusion"), make_image("photo")]
    said = []
    demo.seed(said.append, {"accept_all": True})
    assert set(Image.objects.values_list("status", flat=True)) == {ImageStatus.ACCEPTED}
    per_image = {image.pk: image.reviews.count() for image in images}
    assert per_image == {images[0].pk: 1, images[1].pk: 2, images[2].pk: 1}
    assert said[-1].startswith("Review: 4 decision(s)") and "0 image(s) still pending" in said[-1]


def test_without_accept_all_nothing_is_decided(make_user, make_image):
    make_user("annotator", "annotator")
    image = make_image("photo")
    demo.seed(lambda line: None, {"accept_all": False})
    image.refresh_from_db()
    assert image.status == ImageStatus.PENDING and not Review.objects.exists()
