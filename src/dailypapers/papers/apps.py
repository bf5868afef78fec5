from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "dailypapers.papers"
    label = "papers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dailypapers.lib import pagecache
        from dailypapers.papers.services import saved_paper_ids, voted_paper_ids
        from dailypapers.papers.signals import papers_bulk_loaded, papers_changed

        # Everything the cached pages show lives in this room's models; imports that write in bulk
        # (no per-row signals) send papers_changed / papers_bulk_loaded instead.
        pagecache.invalidate_on_changes(*self.get_models())
        papers_changed.connect(pagecache.bump_content_version, dispatch_uid="pagecache-papers-changed")
        papers_bulk_loaded.connect(pagecache.bump_content_version, dispatch_uid="pagecache-papers-bulk-loaded")

        from django.contrib.auth.signals import user_logged_in

        from dailypapers.papers.pending_votes import cast_after_login

        user_logged_in.connect(cast_after_login, dispatch_uid="papers-pending-upvote")
        # A member's cached page shows their own votes: {% card_flag paper "voted" %} in _upvote.html.
        pagecache.register_card_flag("voted", voted_paper_ids)
        # ... and their saves: {% card_flag paper "saved" %} in _save_control.html.
        pagecache.register_card_flag("saved", saved_paper_ids)
