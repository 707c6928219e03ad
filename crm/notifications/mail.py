"""E-mail through SMTP, when configured (SMTP_HOST empty: off)."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

log = logging.getLogger(__name__)


def mail_enabled() -> bool:
    """Whether an SMTP server is configured."""
    return bool(current_app.config.get("SMTP_HOST"))


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = formataddr(("江门科技企业梯度培育管理系统", cfg["SMTP_SENDER"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=cfg["SMTP_SENDER"].rsplit("@", 1)[-1] or "localhost")
    message.set_content(body)
    return message


def send_messages(messages: list[EmailMessage]) -> list[bool]:
    """Send messages over one SMTP connection; returns, per message, whether it was accepted.

    A refused recipient is logged and skipped; a server that cannot be reached
    is logged and sends nothing (in-app notifications are kept either way).
    """
    sent = [False] * len(messages)
    if not messages or not mail_enabled():
        return sent
    cfg = current_app.config
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            for index, message in enumerate(messages):
                try:
                    smtp.send_message(message)
                    sent[index] = True
                except smtplib.SMTPException:
                    log.exception("mail to %s refused", message["To"])
    except (OSError, smtplib.SMTPException):
        log.exception("SMTP server %s:%s unavailable", cfg["SMTP_HOST"], cfg["SMTP_PORT"])
    return sent
