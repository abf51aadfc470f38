"""Admin of the chat: conversations and messages, read-mostly (support reads
them; only a message's review flag is changed here)."""

from django.contrib import admin

from chat.models import Conversation, Message


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "guest", "host", "listing", "booking", "last_message_at"]
    list_select_related = ["guest", "host", "listing"]
    raw_id_fields = ["guest", "host", "listing", "booking", "last_message"]
    search_fields = ["guest__username", "host__username", "listing__title"]
    readonly_fields = [field.name for field in Conversation._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "sender", "created_at", "flagged_for_review", "deleted_at"]
    list_filter = ["flagged_for_review", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["sender"]
    raw_id_fields = ["conversation", "sender"]
    readonly_fields = [field.name for field in Message._meta.fields if field.name != "flagged_for_review"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
