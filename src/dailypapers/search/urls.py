from django.urls import path, re_path

from dailypapers.papers.urls import PAPER_ID
from dailypapers.search import views

app_name = "search"

urlpatterns = [
    path("search", views.search_page, name="search"),
    path("search/suggest", views.suggest, name="suggest"),
    re_path(rf"^search/similar/{PAPER_ID}$", views.similar, name="similar"),
]
