from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "dailypapers.ingest"
    label = "ingest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from dailypapers.ingest.tasks import harvest_arxiv
        from dailypapers.scheduling import scheduler

        scheduler.register(
            "arxiv-harvest",
            harvest_arxiv,
            hour=settings.DAILYPAPERS_HARVEST_HOUR,
            minute=settings.DAILYPAPERS_HARVEST_MINUTE,
            enabled=lambda: bool(settings.DAILYPAPERS_HARVEST_SETS),
        )
