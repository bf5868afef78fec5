from django.urls import path, re_path

from dailypapers.community import views
from dailypapers.papers.urls import PAPER_ID

app_name = "community"

urlpatterns = [
    re_path(rf"^papers/{PAPER_ID}/comments$", views.thread, name="thread"),
    re_path(rf"^papers/{PAPER_ID}/comments/new$", views.post, name="post"),
    path("comments/<str:comment_id>/edit", views.edit, name="edit"),
    path("comments/<str:comment_id>/delete", views.delete, name="delete"),
    path("comments/<str:comment_id>/report", views.report, name="report"),
]
