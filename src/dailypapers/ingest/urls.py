from django.urls import path

from dailypapers.ingest import views

app_name = "ingest"

urlpatterns = [
    path("papers/submit", views.submit, name="submit"),
]
