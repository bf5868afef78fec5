from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "dailypapers.ingest"
    label = "ingest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from dailypapers.ingest.tasks import fetch_full_texts, harvest_arxiv, harvest_biorxiv, render_thumbnails
        from dailypapers.scheduling import scheduler

        scheduler.register(
            "arxiv-harvest",
            harvest_arxiv,
            hour=settings.DAILYPAPERS_HARVEST_HOUR,
            minute=settings.DAILYPAPERS_HARVEST_MINUTE,
            # OAI-PMH sets, or with DAILYPAPERS_HARVEST_SOURCE=rss announcement feeds (else one per set)
            enabled=lambda: bool(settings.DAILYPAPERS_HARVEST_SETS or (
                settings.DAILYPAPERS_HARVEST_SOURCE == "rss" and settings.DAILYPAPERS_RSS_FEEDS)),
        )
        # After the harvest has put the day's papers in (an hour later).
        scheduler.register(
            "thumbnails",
            render_thumbnails,
            hour=(settings.DAILYPAPERS_HARVEST_HOUR + 1) % 24,
            minute=settings.DAILYPAPERS_HARVEST_MINUTE,
            enabled=lambda: settings.DAILYPAPERS_THUMBNAILS,
        )
        scheduler.register(
            "full-text",
            fetch_full_texts,
            hour=(settings.DAILYPAPERS_HARVEST_HOUR + 1) % 24,
            minute=(settings.DAILYPAPERS_HARVEST_MINUTE + 30) % 60,
            enabled=lambda: settings.DAILYPAPERS_FULL_TEXT,
        )
        scheduler.register(
            "biorxiv-harvest",
            harvest_biorxiv,
            hour=settings.DAILYPAPERS_HARVEST_HOUR,
            minute=(settings.DAILYPAPERS_HARVEST_MINUTE + 15) % 60,
            enabled=lambda: bool(settings.DAILYPAPERS_BIORXIV_SERVERS),
        )
