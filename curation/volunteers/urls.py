from django.urls import path

from curation.volunteers import consent_views, views

urlpatterns = [
    path("packets/", views.packet_list, name="packet-list"),
    path("packets/mine/", views.packet_mine, name="packet-mine"),
    path("packets/request/", views.packet_request, name="packet-request"),
    path("packets/find/", views.packet_find, name="packet-find"),
    path("packets/batches/<int:pk>/pdf", views.packet_batch_pdf, name="packet-batch-pdf"),
    path("packets/terms/", consent_views.consent_terms, name="consent-terms"),
    path("packets/withdraw/all/", consent_views.photos_withdraw_all, name="photo-withdraw-all"),
    path("packets/withdraw/account/", consent_views.account_withdraw, name="account-withdraw"),
    path("packets/withdraw/<uuid:upload>/", consent_views.photo_withdraw, name="photo-withdraw"),
    path("withdrawals/", consent_views.withdrawal_list, name="withdrawal-list"),
    path("packets/<str:code>/", views.packet_detail, name="packet-detail"),
    path("packets/<str:code>/pdf", views.packet_pdf, name="packet-pdf"),
    path("packets/<str:code>/reprocess/", views.packet_reprocess, name="packet-reprocess"),
    path("u/<str:token>/", views.packet_upload, name="packet-upload"),
    path("u/<str:token>/start", views.packet_upload_start, name="packet-upload-start"),
    path("u/<str:token>/uploaded", views.packet_upload_done, name="packet-upload-done"),
    path("u/<str:token>/file", views.packet_upload_file, name="packet-upload-file"),
    path("u/<str:token>/status.json", views.packet_upload_status, name="packet-upload-status"),
]
