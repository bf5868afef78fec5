from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dailypapers.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dailypapers.search import receivers  # noqa: F401  (connects papers_changed)
