from django.contrib import admin, messages

from dailypapers.accounts import claims
from dailypapers.accounts.login import admin_login
from dailypapers.accounts.models import ApiToken, AuthorClaim, Profile, ReservedUsername

admin.site.login = admin_login  # the admin signs in through the site's rate-limited login


@admin.register(ReservedUsername)
class ReservedUsernameAdmin(admin.ModelAdmin):
    """Deleted members' usernames, kept from newcomers; deleting a row releases the name."""

    list_display = ["username", "reserved_at"]
    search_fields = ["username"]


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


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "website", "upvotes_public", "updated_at"]
    search_fields = ["user__username", "website"]
    raw_id_fields = ["user"]
    readonly_fields = ["avatar_name", "avatar_content_type", "updated_at"]


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    """Claims are decided with the actions (``claims.decide``: status, who, when and the author
    link together); the form edits only the note."""

    list_display = ["created_at", "user", "name", "position_shown", "paper", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "name", "paper__id", "paper__title"]
    list_select_related = ["user", "paper", "decided_by"]
    readonly_fields = ["user", "paper", "position", "author", "name", "status", "created_at", "decided_at", "decided_by"]
    fields = ["user", "paper", "position", "author", "name", "status", "created_at", "decided_by", "decided_at", "note"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False  # members make claims on paper pages

    @admin.display(description="author #")
    def position_shown(self, claim):
        return claim.position + 1

    def _decide(self, request, queryset, approved: bool) -> None:
        done = 0
        for claim in queryset:
            try:
                claims.decide(claim, approved=approved, by=request.user)
                done += 1
            except claims.ClaimError as exc:
                self.message_user(request, f"{claim}: {exc}", messages.WARNING)
        if done:
            self.message_user(request, f"{'Approved' if approved else 'Rejected'} {done} claim{'s' if done != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Approve selected claims (link the author to the member)")
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description="Reject selected claims")
    def reject(self, request, queryset):
        self._decide(request, queryset, False)
