from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_site_record(sender=None, using="default", **kwargs) -> None:
    """Name the site in the Sites record that account mails (allauth) read: without it they say
    "example.com". Domain from DAILYPAPERS_BASE_URL, name from DAILYPAPERS_SITE_NAME; kept in step on
    every migrate, which `serve` and `worker` run at start."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.DAILYPAPERS_BASE_URL).netloc or "localhost"
    Site.objects.using(using).update_or_create(pk=settings.SITE_ID, defaults={"domain": domain[:100], "name": settings.SITE_NAME[:50]})


class AccountsConfig(AppConfig):
    name = "dailypapers.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After the sites app's own post_migrate handler (which creates example.com): this app is
        # installed later, so its receiver runs later.
        post_migrate.connect(sync_site_record, sender=self, dispatch_uid="dailypapers.accounts.sync_site_record")
