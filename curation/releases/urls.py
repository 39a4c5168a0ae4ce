from django.urls import path

from curation.releases import views

urlpatterns = [
    path("releases/", views.release_list, name="release-list"),
    path("releases/<int:pk>/", views.release_detail, name="release-detail"),
    path("releases/<int:pk>/files/<path:name>", views.release_file, name="release-file"),
]
