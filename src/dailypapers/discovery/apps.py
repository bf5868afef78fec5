from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "dailypapers.discovery"
    label = "discovery"
    verbose_name = "Discovery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dailypapers.discovery import receivers  # noqa: F401  (connects papers_changed, papers_bulk_loaded)
