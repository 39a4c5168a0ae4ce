import threading

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

WRONG = "Please enter a correct username"
LOCKED = "Too many failed sign-ins"


def _post(client, username, password, address="10.0.0.1", **headers):
    return client.post(
        reverse("curation:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


@pytest.mark.django_db
def test_it_signs_in_and_lands_on_the_role_home(client, annotator):
    response = client.post(reverse("curation:login"), {"username": "ann", "password": "pw-ann"})
    assert response.status_code == 302
    assert client.get(reverse("curation:home"))["Location"] == reverse("curation:review-next")


@pytest.mark.django_db
def test_failed_sign_ins_are_throttled_with_one_clear_message(client, annotator, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert WRONG in _post(client, "ann", "no").content.decode()
    assert _post(client, "ann", "no").status_code == 429  # the third failure locks

    response = _post(client, "ann", "pw-ann")

    assert response.status_code == 429
    assert LOCKED in response.content.decode() and "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_someone_elses_failures_do_not_lock_an_account_out(client, annotator, annotator2):
    for _ in range(5):
        _post(client, "ann", "guess", address="10.0.0.66")

    assert _post(Client(), "anton", "pw-anton", address="10.0.0.7").status_code == 302
    assert _post(Client(), "ann", "pw-ann", address="10.0.0.7").status_code == 429


@pytest.mark.django_db
def test_an_address_guessing_many_accounts_is_locked_out(client, make_user):
    make_user("zed", None)
    for name in ("a", "b", "c", "d", "e"):
        _post(client, name, "guess", address="10.0.0.66")

    assert _post(Client(), "zed", "pw-zed", address="10.0.0.66").status_code == 429
    assert _post(Client(), "zed", "pw-zed", address="10.0.0.8").status_code == 302


@pytest.mark.django_db
def test_a_forged_forwarded_header_is_ignored_without_a_trusted_proxy(client, annotator):
    for number in range(5):
        _post(client, "ann2", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(client, annotator, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(5):
        forwarded = f"203.0.113.{number}, 198.51.100.5"  # the client's claim, then the proxy's
        _post(client, f"user{number}", "guess", HTTP_X_FORWARDED_FOR=forwarded)

    fresh = _post(Client(), "ann", "pw-ann", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert fresh.status_code == 302
    locked = _post(Client(), "ann", "pw-ann", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.5")
    assert locked.status_code == 429


@pytest.mark.django_db(transaction=True)
def test_30_simultaneous_wrong_passwords_check_only_the_limit(
    live_server, annotator, settings, monkeypatch
):
    """Before: every one of 30 simultaneous guesses was checked against a limit of 5."""
    settings.AXES_FAILURE_LIMIT = 5
    checked = []
    real_check = User.check_password
    monkeypatch.setattr(
        User, "check_password", lambda user, raw: checked.append(raw) or real_check(user, raw)
    )
    url = live_server.url + reverse("curation:login")
    start = threading.Barrier(30)
    answers = []

    def guess(number: int) -> None:
        session = requests.Session()
        session.get(url, timeout=30)
        start.wait(timeout=30)
        data = {"username": "ann", "password": f"guess-{number}"}
        data["csrfmiddlewaretoken"] = session.cookies["csrftoken"]
        response = session.post(url, data=data, headers={"Referer": url}, timeout=60)
        answers.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(number,)) for number in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Five passwords checked: four refused, the fifth refused and locking; no more hashed.
    assert len(checked) == 5
    assert sorted(answers) == [200] * 4 + [429] * 26
