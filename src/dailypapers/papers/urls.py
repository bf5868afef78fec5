from django.urls import path, re_path

from dailypapers.papers import collection_views, organization_views, views
from dailypapers.papers.identifiers import ORGANIZATION_SLUG_PATTERN, PAPER_ID_PATTERN

app_name = "papers"

# Exactly the ids the importer stores (papers.identifiers): 2406.01234, hep-th/9901001, sample-3f2a9c01bd.
PAPER_ID = rf"(?P<paper_id>{PAPER_ID_PATTERN})"
ORGANIZATION_SLUG = rf"(?P<slug>{ORGANIZATION_SLUG_PATTERN})"  # dots too: every imported slug is routable

urlpatterns = [
    path("papers", views.home, name="papers"),
    path("papers/", views.home),
    path("papers/date", views.date_picker, name="date_picker"),
    path("papers/date/<str:key>", views.period_page, {"kind": "day"}, name="day"),
    path("papers/week/<str:key>", views.period_page, {"kind": "week"}, name="week"),
    path("papers/month/<str:key>", views.period_page, {"kind": "month"}, name="month"),
    path("papers/trending", views.trending, name="trending"),
    path("about/ranking", views.about_ranking, name="about_ranking"),
    # \Z, not $: reverse() would otherwise take a slug with a trailing newline.
    re_path(rf"^organizations/{ORGANIZATION_SLUG}\Z", views.organization_detail, name="organization"),
    re_path(rf"^organizations/{ORGANIZATION_SLUG}/logo\Z", organization_views.logo, name="organization_logo"),
    re_path(rf"^organizations/{ORGANIZATION_SLUG}/join\Z", organization_views.join, name="organization_join"),
    re_path(rf"^organizations/{ORGANIZATION_SLUG}/leave\Z", organization_views.leave, name="organization_leave"),
    re_path(rf"^organizations/{ORGANIZATION_SLUG}/requests/(?P<membership_id>[0-9]{{1,18}})\Z", organization_views.decide,
            name="organization_decide"),
    path("collections", collection_views.my_collections, name="collections"),
    path("collections/<int:collection_id>", collection_views.collection_page, name="collection"),
    path("collections/<int:collection_id>/edit", collection_views.edit_collection, name="collection_edit"),
    re_path(rf"^collections/(?P<collection_id>[0-9]{{1,18}})/items/{PAPER_ID}$", collection_views.collection_item, name="collection_item"),
    path("c/<int:collection_id>", collection_views.shared_collection, name="shared_collection"),
    re_path(rf"^papers/{PAPER_ID}/save$", collection_views.save_paper, name="save_paper"),
    re_path(rf"^papers/{PAPER_ID}/upvote$", views.upvote, name="upvote"),
    re_path(rf"^papers/{PAPER_ID}/thumbnail\.png$", views.thumbnail, name="thumbnail"),
    re_path(rf"^papers/{PAPER_ID}/read$", views.paper_read, name="paper_read"),
    re_path(rf"^papers/{PAPER_ID}$", views.paper_detail, name="paper"),
]
