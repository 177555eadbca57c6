"""Account mail (password reset and the like), sent by a worker: the page that asked for it
answers at once, the same whether or not the address has an account, and an SMTP server
that is down is retried, then logged, never shown (docs/operations.md)."""

from __future__ import annotations

import logging
import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from careerpath.celery import enqueue

logger = logging.getLogger(__name__)

TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _domain(address: str) -> str:
    # Logs name the domain only: enough to see a pattern, not who asked for a reset.
    return address.rpartition("@")[2] or "?"


@shared_task(bind=True, ignore_result=True)
def send_account_mail(
    self: Task, subject: str, body: str, to: str, html_body: str | None = None
) -> None:
    """Send one rendered account mail, retrying with a growing wait while the server is
    unreachable; after the last retry the failure is logged."""
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    if html_body is not None:
        message.attach_alternative(html_body, "text/html")
    try:
        message.send()
    except TRANSIENT_MAIL_ERRORS as exc:
        if self.request.retries < settings.MAIL_RETRIES:
            raise self.retry(
                exc=exc,
                countdown=settings.MAIL_RETRY_BACKOFF_SECONDS * 2**self.request.retries,
                max_retries=settings.MAIL_RETRIES,
            ) from exc
        logger.error(
            "Account mail %r to an address at %s not sent after %d attempts: %s",
            subject,
            _domain(to),
            self.request.retries + 1,
            exc,
        )
    except Exception:
        logger.exception("Account mail %r to an address at %s not sent", subject, _domain(to))


def account_mail_queue(*, subject: str, body: str, to: str, html_body: str | None = None) -> None:
    """Queue a rendered account mail; a broker that cannot be reached is logged, and the
    page that asked goes on as if the mail were on its way."""
    enqueue(send_account_mail, subject, body, to, html_body)
