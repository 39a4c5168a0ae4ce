from django.urls import path

from curation.scenes import views

urlpatterns = [
    path("scenes/", views.scene_run_list, name="scene-run-list"),
    path("scenes/new/", views.scene_run_new, name="scene-run-new"),
    path("scenes/<int:pk>/", views.scene_run_detail, name="scene-run-detail"),
    path("scenes/<int:pk>/status.json", views.scene_run_status, name="scene-run-status"),
    path("scenes/<int:pk>/retry/", views.scene_run_retry, name="scene-run-retry"),
]
