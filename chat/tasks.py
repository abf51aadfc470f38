"""Celery tasks of the chat: take ids, call one service, safe to run twice."""
