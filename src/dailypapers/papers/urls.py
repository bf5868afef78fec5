from django.urls import path, re_path

from dailypapers.papers import views

app_name = "papers"

# arXiv ids (2406.01234, hep-th/9901001, math.GT/0309136) and source-prefixed ids (sample-3f2a9c01bd).
PAPER_ID = r"(?P<paper_id>[A-Za-z0-9][A-Za-z0-9._\-]*(?:/\d{7})?)"

urlpatterns = [
    path("papers", views.home, name="papers"),
    path("papers/", views.home),
    path("papers/date", views.date_picker, name="date_picker"),
    path("papers/date/<str:key>", views.period_page, {"kind": "day"}, name="day"),
    path("papers/week/<str:key>", views.period_page, {"kind": "week"}, name="week"),
    path("papers/month/<str:key>", views.period_page, {"kind": "month"}, name="month"),
    path("papers/trending", views.trending, name="trending"),
    path("about/ranking", views.about_ranking, name="about_ranking"),
    path("organizations/<slug:slug>", views.organization_detail, name="organization"),
    re_path(rf"^papers/{PAPER_ID}/upvote$", views.upvote, name="upvote"),
    re_path(rf"^papers/{PAPER_ID}$", views.paper_detail, name="paper"),
]
