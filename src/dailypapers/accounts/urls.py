from django.urls import path, re_path

from dailypapers.accounts import login, views
from dailypapers.papers.urls import PAPER_ID

app_name = "accounts"

urlpatterns = [
    # Ahead of allauth's own URL for the same path (included later in the root URLconf).
    path("accounts/login/", login.login, name="login"),
    path("settings/api-tokens", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:token_id>/revoke", views.revoke_api_token, name="revoke_api_token"),
    path("settings/profile", views.profile_settings, name="profile_settings"),
    # Any username Django allows (letters, digits, @ . + - _); comments' @mentions link here.
    path("u/<str:username>", views.profile, name="profile"),
    path("u/<str:username>/avatar", views.avatar, name="avatar"),
    re_path(rf"^papers/{PAPER_ID}/authors/(?P<position>[0-9]{{1,5}})/claim$", views.claim_author, name="claim_author"),
]
