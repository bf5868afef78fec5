from django.apps import AppConfig, apps
from django.conf import settings


class DigestsConfig(AppConfig):
    name = "dailypapers.digests"
    label = "digests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        if not apps.is_installed("dailypapers.scheduling"):
            return  # a build without the scheduler: operators send with `dailypapers digests send`
        from dailypapers.digests.tasks import send_scheduled_digest
        from dailypapers.scheduling import scheduler

        enabled = lambda: settings.DAILYPAPERS_DIGEST_ENABLED  # noqa: E731
        scheduler.register("digest-daily", send_scheduled_digest, hour=settings.DAILYPAPERS_DIGEST_HOUR,
                           minute=settings.DAILYPAPERS_DIGEST_MINUTE, enabled=enabled)
        scheduler.register("digest-weekly", send_scheduled_digest, hour=settings.DAILYPAPERS_DIGEST_HOUR,
                           minute=settings.DAILYPAPERS_DIGEST_MINUTE, weekday=settings.DAILYPAPERS_DIGEST_WEEKDAY,
                           enabled=enabled)
