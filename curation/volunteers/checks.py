"""System checks: the consent terms named by CONSENT_TERMS_VERSION must exist."""

import re

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from curation.volunteers import conf

TERMS_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$")


@checks.register()
def terms_template_exists(app_configs, **kwargs) -> list[checks.CheckMessage]:
    version = conf.terms_version()
    if not TERMS_VERSION.match(version):
        return [
            checks.Error(
                f"CONSENT_TERMS_VERSION {version!r} must be 1-40 letters, digits, '.', '_' or '-'.",
                id="volunteers.E001",
            )
        ]
    try:
        get_template(conf.terms_template(version))
    except TemplateDoesNotExist:
        return [
            checks.Error(
                f"CONSENT_TERMS_VERSION is {version!r} but {conf.terms_template(version)} "
                "does not exist; write the terms there first.",
                id="volunteers.E002",
            )
        ]
    return []
