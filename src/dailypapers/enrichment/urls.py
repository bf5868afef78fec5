from django.urls import path

from dailypapers.enrichment import views

app_name = "enrichment"

urlpatterns = [
    path("trends", views.trends_page, name="trends"),
    path("trends.csv", views.trends_csv, name="trends_csv"),
]
