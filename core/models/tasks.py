"""Task messages owed to the broker.

A service that needs work done later (a PDF, a ticket parse) records the task
here in its own transaction; the message is sent when that transaction
commits and the row is deleted once the broker took it. A row that is still
here some time later was never sent (the broker was down, the process died
right after the commit), and the periodic resend sends it again."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskMessage(models.Model):
    task_name = models.CharField(_("tarea"), max_length=200)
    args = models.JSONField(_("argumentos"), default=list, blank=True)
    created_at = models.DateTimeField(_("creada"), default=timezone.now)
    # When the resend may take it: a little after the commit (the sender
    # after commit is usually quicker), later after each failed resend.
    next_attempt_at = models.DateTimeField(_("próximo intento"))
    attempts = models.PositiveIntegerField(_("reenvíos"), default=0)
    last_error = models.TextField(_("último error"), blank=True)

    class Meta:
        db_table = "core_task_outbox"
        verbose_name = _("tarea por enviar")
        verbose_name_plural = _("tareas por enviar")
        # The resend's sweep: due rows, oldest due first.
        indexes = [models.Index(fields=["next_attempt_at"], name="task_outbox_due")]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
