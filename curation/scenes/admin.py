from django.contrib import admin

from curation.scenes.models import SceneBatch, SceneImage, SceneRun


class SceneBatchInline(admin.TabularInline):
    model = SceneBatch
    raw_id_fields = ["job"]
    extra = 0


@admin.register(SceneRun)
class SceneRunAdmin(admin.ModelAdmin):
    list_display = ["id", "model", "total", "per_cell", "seed", "steps", "created_at"]
    search_fields = ["model"]
    inlines = [SceneBatchInline]


@admin.register(SceneImage)
class SceneImageAdmin(admin.ModelAdmin):
    list_display = ["id", "run", "index", "image"]
    raw_id_fields = ["run", "image"]
