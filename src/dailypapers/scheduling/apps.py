from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    """Periodic jobs and their runs. Below the rooms that have jobs: ingest and digests register
    theirs from their own ``ready()`` (see ``scheduler.register``), so this app imports none of them."""

    name = "dailypapers.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"
