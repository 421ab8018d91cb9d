"""Emails through Amazon SES (SendRawEmail): a plain-text UTF-8 message in the customer's language,
with the List-Unsubscribe and List-Unsubscribe-Post headers of RFC 8058 (one click withdraws the
customer's consent to email) and the tags that bring SES's bounce and complaint events back to
the notification.

SES refuses some messages for good: an address it cannot parse (InvalidParameterValue) is the
customer's, and the message goes by mail. Every other error (a sender not verified, an account
still in the SES sandbox, throttling) is the municipality's to fix: it is raised, the message is
tried again, and its dead letter ends in the staff work queue.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate
from typing import Any

from botocore.exceptions import ClientError

from civiq.notices.domain.deliveries import OutgoingEmail, Refused

REFUSED_CODES = frozenset({"InvalidParameterValue"})


def raw_email(email: OutgoingEmail, sender: str, sender_name: str) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((sender_name, sender))
    message["To"] = formataddr((email.to_name, email.to_address))
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    targets = [f"<{email.unsubscribe_url}>"]
    if email.unsubscribe_mailto:
        targets.append(f"<{email.unsubscribe_mailto}>")
    message["List-Unsubscribe"] = ", ".join(targets)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = email.language.value  # after the content, which resets it
    return message.as_bytes()


class SesEmailSender:
    def __init__(
        self,
        ses_client: Any,
        sender: str,
        sender_name: str,
        configuration_set: str | None = None,
    ) -> None:
        self._ses = ses_client
        self._sender = sender
        self._sender_name = sender_name
        self._configuration_set = configuration_set

    def send(self, email: OutgoingEmail) -> str:
        extra: dict[str, Any] = {}
        if self._configuration_set:  # its event destination reports bounces and complaints
            extra["ConfigurationSetName"] = self._configuration_set
        try:
            sent = self._ses.send_raw_email(
                Source=self._sender,
                Destinations=[email.to_address],
                RawMessage={"Data": raw_email(email, self._sender, self._sender_name)},
                Tags=[
                    {"Name": "notification_id", "Value": email.notification_id},
                    {"Name": "account_id", "Value": email.account_id},
                ],
                **extra,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in REFUSED_CODES:
                raise Refused(str(error)) from error
            raise
        return str(sent["MessageId"])
