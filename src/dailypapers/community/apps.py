from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "dailypapers.community"
    label = "community"
    verbose_name = "Community"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dailypapers import pagecache

        # Paper pages show the threads (edits, hiding and deletion included): cached pages must change.
        pagecache.invalidate_on_changes(*self.get_models())
