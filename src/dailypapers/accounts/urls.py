from django.urls import path

from dailypapers.accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/api-tokens", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:token_id>/revoke", views.revoke_api_token, name="revoke_api_token"),
]
