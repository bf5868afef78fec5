from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_site_record(sender=None, using="default", **kwargs) -> None:
    """Name the site in the Sites record that account mails (allauth) read: without it they say
    "example.com". Name from DAILYPAPERS_SITE_NAME, domain by the one site-address rule
    (``lib.siteurl.record_site_url``); kept in step on every migrate, which `serve` and `worker` run
    at start."""
    from dailypapers.lib.siteurl import record_site_url

    record_site_url(using)


class AccountsConfig(AppConfig):
    name = "dailypapers.accounts"
    label = "accounts"
    # Not "Accounts": allauth's app (e-mail addresses) has that name in the admin already.
    verbose_name = "Members"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After the sites app's own post_migrate handler (which creates example.com): this app is
        # installed later, so its receiver runs later.
        post_migrate.connect(sync_site_record, sender=self, dispatch_uid="dailypapers.accounts.sync_site_record")
