from django.contrib import admin
from django.urls import include, path

from dailypapers.papers import views as paper_views

urlpatterns = [
    path("", paper_views.home, name="home"),
    path("", include("dailypapers.ops.urls")),  # /healthz, /readyz, /metrics
    # Before papers.urls: /papers/<id>.md must not be taken for a paper id.
    path("", include("dailypapers.api.urls")),
    path("", include("dailypapers.ingest.urls")),  # /papers/submit, before the paper-id pattern
    path("", include("dailypapers.search.urls")),
    path("", include("dailypapers.community.urls")),
    path("", include("dailypapers.discovery.urls")),  # /for-you, /following, /follow, /authors/<id>
    path("", include("dailypapers.enrichment.urls")),  # /trends, /trends.csv
    path("", include("dailypapers.papers.urls")),
    path("", include("dailypapers.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("dailypapers.digests.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "dailypapers.papers.views.error_400"
handler403 = "dailypapers.papers.views.error_403"
handler404 = "dailypapers.papers.views.error_404"
handler500 = "dailypapers.papers.views.error_500"
