from django.urls import path

from curation.scoring import views

urlpatterns = [
    path("scoring/", views.scoring_list, name="scoring-list"),
    path("scoring/compare/", views.scoring_compare, name="scoring-compare"),
    path("scoring/<int:pk>/", views.scoring_detail, name="scoring-detail"),
    path("scoring/<int:pk>/cell/", views.scoring_cell, name="scoring-cell"),
    path("scoring/<int:pk>/files/<str:name>", views.scoring_file, name="scoring-file"),
]
