from django.urls import path

from dailypapers.accounts import login, views

app_name = "accounts"

urlpatterns = [
    # Ahead of allauth's own URL for the same path (included later in the root URLconf).
    path("accounts/login/", login.login, name="login"),
    path("settings/api-tokens", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:token_id>/revoke", views.revoke_api_token, name="revoke_api_token"),
]
