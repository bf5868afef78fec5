from django.urls import path, re_path

from dailypapers.discovery import views
from dailypapers.papers.urls import PAPER_ID

app_name = "discovery"

urlpatterns = [
    path("for-you", views.for_you, name="for_you"),
    path("for-you/start", views.start, name="start"),
    path("following", views.following, name="following"),
    path("following/revoke-feeds", views.revoke_feeds, name="revoke_feeds"),
    path("follow", views.follow, name="follow"),
    path("authors/<int:author_id>", views.author, name="author"),
    re_path(rf"^papers/{PAPER_ID}/feedback$", views.feedback, name="feedback"),
]
