from chat.models.conversations import MAX_BODY_CHARS, Conversation, Message, UserPresence

__all__ = ["MAX_BODY_CHARS", "Conversation", "Message", "UserPresence"]
