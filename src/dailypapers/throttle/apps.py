from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    """Rate-limit counters in the database, shared by every process and host of a site (below the rooms)."""

    name = "dailypapers.throttle"
    default_auto_field = "django.db.models.BigAutoField"
