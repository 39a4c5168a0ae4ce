from django.urls import path

from curation.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run-retry"),
    path("runs/<int:pk>/status.json", views.run_status, name="run-status"),
    path("identities/", views.identity_list, name="identity-list"),
    path("forms/render/", views.render_start, name="render-start"),
    path("images/", views.image_list, name="image-list"),
    path("images/read-again/", views.image_read_again, name="image-read-again"),
    path("images/<int:pk>/", views.image_detail, name="image-detail"),
    path("images/<int:pk>/file", views.image_file, name="image-file"),
]
