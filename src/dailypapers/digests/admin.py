from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone

from dailypapers.digests.models import DeliveryState, DigestDelivery, DigestIssue, Subscription


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(s, s) for s in ("active", "unconfirmed", "unsubscribed", "suspended")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "active":
            return queryset.receiving()
        if value == "unconfirmed":
            return queryset.filter(confirmed_at__isnull=True)
        if value == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        if value == "suspended":
            return queryset.filter(suspended_at__isnull=False)
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "frequency", "status", "user", "created_at", "confirmed_at", "suspended_at", "suspended_reason"]
    list_filter = [StatusFilter, "frequency", "personal"]
    search_fields = ["email", "user__username", "suspended_reason"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at", "suspended_at",
                       "suspended_reason", "token_key"]
    actions = ["lift_suspension", "unsubscribe"]

    @admin.action(description="Lift suspension (the address works again)")
    def lift_suspension(self, request, queryset):
        updated = queryset.filter(suspended_at__isnull=False).update(suspended_at=None, suspended_reason="")
        self.message_user(request, f"{updated} subscription(s) re-activated.")

    @admin.action(description="Unsubscribe")
    def unsubscribe(self, request, queryset):
        updated = queryset.filter(unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
        self.message_user(request, f"{updated} subscription(s) unsubscribed.")


@admin.register(DigestIssue)
class DigestIssueAdmin(admin.ModelAdmin):
    list_display = ["period_key", "frequency", "subject", "created_at", "sent", "pending", "failed"]
    list_filter = ["frequency"]
    readonly_fields = ["frequency", "period_key", "period_label", "subject", "ranked_paper_ids", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            sent=Count("deliveries", filter=Q(deliveries__state=DeliveryState.SENT)),
            pending=Count("deliveries", filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING])),
            failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        )

    @admin.display(ordering="sent")
    def sent(self, obj):
        return obj.sent

    @admin.display(ordering="pending")
    def pending(self, obj):
        return obj.pending

    @admin.display(ordering="failed")
    def failed(self, obj):
        return obj.failed


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["issue", "subscription", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state", "issue__frequency"]
    search_fields = ["subscription__email", "message_id", "last_error"]
    raw_id_fields = ["issue", "subscription"]
    list_select_related = ["issue", "subscription"]
    readonly_fields = ["claimed_by", "claimed_at", "sent_at", "message_id", "paper_ids", "personal_paper_ids"]
