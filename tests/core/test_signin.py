import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_it_signs_in_and_lands_on_the_role_home(client, annotator):
    response = client.post(reverse("curation:login"), {"username": "ann", "password": "pw-ann"})
    assert response.status_code == 302
    assert client.get(reverse("curation:home"))["Location"] == reverse("curation:review-next")


@pytest.mark.django_db
def test_failed_sign_ins_are_throttled(client, annotator, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        response = client.post(reverse("curation:login"), {"username": "ann", "password": "no"})
        assert "Please enter a correct username" in response.content.decode()
    response = client.post(reverse("curation:login"), {"username": "ann", "password": "pw-ann"})
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
