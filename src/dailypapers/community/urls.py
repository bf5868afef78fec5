from django.urls import path, re_path

from dailypapers.community import member_views, views
from dailypapers.papers.urls import PAPER_ID

app_name = "community"

urlpatterns = [
    re_path(rf"^papers/{PAPER_ID}/comments$", views.thread, name="thread"),
    re_path(rf"^papers/{PAPER_ID}/comments/new$", views.post, name="post"),
    path("comments/<str:comment_id>/edit", views.edit, name="edit"),
    path("comments/<str:comment_id>/delete", views.delete, name="delete"),
    path("comments/<str:comment_id>/report", views.report, name="report"),
    path("notifications", member_views.notification_list, name="notifications"),
    path("notifications/read", member_views.mark_all_read, name="mark_all_read"),
    path("notifications/<int:notification_id>/read", member_views.mark_read, name="mark_read"),
    path("settings/notifications", member_views.notification_settings, name="notification_settings"),
    path("settings/account/delete", member_views.delete_account, name="delete_account"),
    path("me/papers", member_views.my_papers, name="my_papers"),
]
