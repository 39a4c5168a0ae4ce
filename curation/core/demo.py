"""Demo data for the core area: users, identity pools and their template forms."""

import secrets

from django.contrib.auth.models import Group, User

from benchmark.vocab import SCENARIOS
from curation.core import services
from curation.core.models import Identity
from curation.core.roles import ROLES

DEMO_USERS = {
    "maintainer": "maintainer",
    "annotator": "annotator",
    "annotator2": "annotator",
    "volunteer": "volunteer",
}
DEMO_MEMORISATION = 24
DEMO_PROBE = 24
DEMO_SEED = 7


def ensure_groups() -> None:
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def create_users(say) -> dict[str, str]:
    """Create (or reset) the demo users with fresh random passwords, and print them."""
    ensure_groups()
    passwords = {}
    for username, role in DEMO_USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.is_staff = role == "maintainer"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        passwords[username] = password
        say(f"  {role:<10} user {username!r:<14} password {password}")
    return passwords


def seed(say, options) -> None:
    say("Demo users (passwords change every time seed_demo runs):")
    create_users(say)
    scale = options.get("scale")
    if not Identity.objects.exists():
        created = services.identities_create_pools(
            memorisation=scale.memorisation if scale else DEMO_MEMORISATION,
            probe=scale.probe if scale else DEMO_PROBE,
            seed=DEMO_SEED,
        )
        say(f"Identities: {created}")
    variants = list(scale.form_variants) if scale else [0, 1]
    count = 0
    for identity in Identity.objects.order_by("key").iterator():
        for job in services.render_jobs_for(identity, list(SCENARIOS), variants):
            services.render_template_form(identity, *job)
            count += 1
            if count % 1000 == 0:
                say(f"  template forms: {count} so far")
    say(f"Template forms: {count} (accepted on creation)")
