from django.contrib import admin

from curation.releases.models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "destination", "manifest_sha256", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["manifest_sha256", "counts", "config", "published_at"]
