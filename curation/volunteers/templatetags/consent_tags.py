"""Consent and withdrawal panels the volunteers' pages include, so that their views need
not know about consent: `{% load consent_tags %}{% my_photos_panel %}`."""

from django import template

from curation.volunteers import conf, consent

register = template.Library()


@register.inclusion_tag("curation/volunteers/consent/my_photos.html", takes_context=True)
def my_photos_panel(context) -> dict:
    """My packets: whether the volunteer agreed to the current terms, and their photos with
    a button to withdraw each, all, or the account."""
    user = context["request"].user
    return {
        "agreed": consent.current_consent(user),
        "terms_version": conf.terms_version(),
        "photos": consent.withdrawable_uploads(user),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("curation/volunteers/consent/upload_notice.html", takes_context=True)
def upload_consent_notice(context, packet) -> dict:
    """The upload page: what to do when no consent to the current terms stands behind a
    photo for `packet` (the server refuses the upload then)."""
    request = context["request"]
    return {
        "missing": consent.consent_for_upload(packet, request.user) is None,
        "next": request.get_full_path(),
    }
