from django.contrib import admin

from curation.review.models import Adjudication, GoldAnswer, Lease, Review, ReviewPolicy


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin):
    list_display = ["source", "reviews_needed", "combine", "gold_rate", "updated_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "image", "annotator", "decision", "is_gold", "is_current", "created_at"]
    list_filter = ["decision", "is_gold", "is_current"]
    raw_id_fields = ["image", "annotator"]


@admin.register(Lease)
class LeaseAdmin(admin.ModelAdmin):
    list_display = ["image", "annotator", "is_gold", "claimed_at", "expires_at", "decided_at"]
    raw_id_fields = ["image", "annotator"]


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["id", "image", "created_at", "resolved_by", "resolved_at", "decision"]
    raw_id_fields = ["image"]


@admin.register(GoldAnswer)
class GoldAnswerAdmin(admin.ModelAdmin):
    list_display = ["image", "expected", "created_by", "created_at"]
    raw_id_fields = ["image"]
