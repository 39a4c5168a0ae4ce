from django.urls import path

from curation.review import views

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("review/", views.review_next, name="review-next"),
    path("review/claim/", views.review_claim, name="review-claim"),
    path("review/<int:pk>/decide/", views.review_decide, name="review-decide"),
    path("review/<int:pk>/skip/", views.review_skip, name="review-skip"),
    path(
        "review/<int:pk>/confirm-legible/",
        views.review_confirm_legible,
        name="review-confirm-legible",
    ),
    path("review/<int:pk>/override-pii/", views.review_override_pii, name="review-override-pii"),
    path("review/undo/", views.review_undo, name="review-undo"),
    path("review/heartbeat/", views.review_heartbeat, name="review-heartbeat"),
    path("review/release/", views.review_release, name="review-release"),
    path("review/adjudication/", views.adjudication_list, name="review-adjudication"),
    path(
        "review/adjudication/<int:pk>/resolve/",
        views.adjudication_resolve,
        name="adjudication-resolve",
    ),
    path("review/policies/", views.policy_list, name="policy-list"),
    path("review/stats/", views.review_stats, name="review-stats"),
    path("review/gold/", views.gold_list, name="gold-list"),
    path("review/gold/<int:pk>/delete/", views.gold_delete, name="gold-delete"),
    # Under images/ like the image's page that shows the button; review owns the rule.
    path("images/<int:pk>/send-back/", views.image_send_back, name="image-send-back"),
]
