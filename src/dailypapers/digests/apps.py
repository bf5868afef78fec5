from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "dailypapers.digests"
    label = "digests"
    default_auto_field = "django.db.models.BigAutoField"
