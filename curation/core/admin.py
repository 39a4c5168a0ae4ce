from django.contrib import admin

from curation.core.models import Identity, Image, JobRun


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["key", "pool", "name", "email", "phone", "ssn"]
    list_filter = ["pool"]
    search_fields = ["key", "name", "email", "phone", "ssn"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "scenario", "target_type", "status", "identity", "simulated"]
    list_filter = ["source", "status", "scenario", "simulated"]
    search_fields = ["sha256", "identity__key", "identity__name"]
    raw_id_fields = ["identity"]
    # Status changes go through review (send-back starts a new round), never a plain edit.
    readonly_fields = ["status", "sha256", "phash", "size_bytes", "width", "height", "created_at"]


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "title", "status", "done", "total", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_at", "started_at", "finished_at"]
