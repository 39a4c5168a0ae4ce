from django.contrib import admin

from curation.scoring.models import ResponseSet


@admin.register(ResponseSet)
class ResponseSetAdmin(admin.ModelAdmin):
    list_display = ["model_name", "release", "status", "lines", "errors", "missing_items"]
    list_filter = ["status", "release"]
    search_fields = ["model_name"]
    readonly_fields = ["rows", "outputs", "heatmaps", "sha256", "file", "run", "scored_at"]
