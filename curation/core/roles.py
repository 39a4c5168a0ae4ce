"""The three roles and the one decorator every view uses to check them.

A view is either `@role_required(...)` or `@public` (with a reason); the URL-walk
test fails any view that is neither. Maintainers may do everything.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ANNOTATOR = "annotator"
MAINTAINER = "maintainer"
VOLUNTEER = "volunteer"
ROLES = (ANNOTATOR, MAINTAINER, VOLUNTEER)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached.add(MAINTAINER)
        user._role_names = cached
    return cached


def has_role(user, *roles: str) -> bool:
    held = user_roles(user)
    return MAINTAINER in held or bool(held.intersection(roles))


def role_required(*roles: str):
    """Anonymous users go to sign-in; signed-in users without the role get 403."""
    allowed = frozenset(roles) | {MAINTAINER}

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *allowed):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


def public(reason: str):
    """Mark a view as open to anyone (sign-in, token-guarded pages); say why."""

    def decorator(view):
        view.allowed_roles = None
        view.public_reason = reason
        return view

    return decorator


def roles_context(request):
    roles = user_roles(request.user) if hasattr(request, "user") else set()
    return {
        "is_maintainer": MAINTAINER in roles,
        "is_annotator": ANNOTATOR in roles or MAINTAINER in roles,
        "is_volunteer": VOLUNTEER in roles,
    }
