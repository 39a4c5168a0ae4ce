from django.contrib import admin

from curation.core import reading
from curation.core.models import Identity, Image, JobRun


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["key", "pool", "name", "email", "phone", "ssn"]
    list_filter = ["pool"]
    search_fields = ["key", "name", "email", "phone", "ssn"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "source",
        "scenario",
        "target_type",
        "status",
        "identity",
        "simulated",
        "reading_doubtful",
    ]
    list_filter = ["source", "status", "scenario", "simulated", "reading_doubtful"]
    actions = ["read_again"]
    search_fields = ["sha256", "identity__key", "identity__name"]
    raw_id_fields = ["identity"]
    # Status changes go through review (send-back starts a new round), never a plain edit.
    readonly_fields = ["status", "sha256", "phash", "size_bytes", "width", "height", "created_at"]

    @admin.action(description="Read the selected images again (machine reading)")
    def read_again(self, request, queryset):
        runs = reading.reading_rerun(queryset, user=request.user)
        self.message_user(request, f"Reading queued in {len(runs)} job(s).")


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "title", "status", "done", "total", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_at", "started_at", "finished_at"]
