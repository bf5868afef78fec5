from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "dailypapers.community"
    label = "community"
    verbose_name = "Community"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dailypapers.community.models import Notification, NotificationPreference
        from dailypapers.lib import pagecache

        # Paper pages show the threads (edits, hiding and deletion included): cached pages must change.
        # Notifications are private to their member and no cached (anonymous) page shows them.
        private = {Notification, NotificationPreference}
        pagecache.invalidate_on_changes(*(m for m in self.get_models() if m not in private))

        from dailypapers.community import decisions

        decisions.connect()
