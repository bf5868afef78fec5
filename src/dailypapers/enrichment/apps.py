from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    name = "dailypapers.enrichment"
    label = "enrichment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dailypapers.enrichment import receivers  # noqa: F401  (connects papers_changed, comments)
