from django.contrib import admin, messages

from dailypapers.accounts.login import admin_login
from dailypapers.accounts.models import ApiToken

admin.site.login = admin_login  # the admin signs in through the site's rate-limited login


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins issue tokens for members; the secret is shown once, in the confirmation message."""

    list_display = ["name", "user", "visible_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "visible_prefix"]
    raw_id_fields = ["user"]
    readonly_fields = ["visible_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["user", "name", "visible_prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = ApiToken.issue(obj.user, obj.name)
        obj.pk = token.pk
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        messages.warning(request, f"Token for {token.user}: {raw} — copy it now, it will not be shown again.")

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.active():
            token.revoke()
