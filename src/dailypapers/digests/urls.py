from django.urls import path

from dailypapers.digests import views

app_name = "digests"

urlpatterns = [
    path("digests/subscribe", views.subscribe, name="subscribe"),
    path("digests/settings", views.member_settings, name="settings"),
    path("digests/confirm/<str:token>", views.confirm, name="confirm"),
    # Short: it is in every mail's List-Unsubscribe header.
    path("digests/u/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("digests/manage/<str:token>", views.manage, name="manage"),
    path("digests/view/<str:token>", views.view_in_browser, name="view"),
    path("digests/<str:frequency>/<str:period_key>", views.issue_page, name="issue"),
]
