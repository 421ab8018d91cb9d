"""SMS through Amazon SNS: Publish to the phone number (E.164), as a transactional message.

A number that replied STOP is on SNS's opt-out list: it is asked first, and the message goes by
mail instead. A number SNS will not take (InvalidParameter) is the customer's problem: mail too.
Any other error is raised (tried again, then the staff work queue).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from civiq.notices.domain.deliveries import OutgoingSms, Refused

REFUSED_CODES = frozenset({"InvalidParameter", "InvalidParameterValue"})
TRANSACTIONAL = {"DataType": "String", "StringValue": "Transactional"}


class SnsSmsSender:
    def __init__(self, sns_client: Any) -> None:
        self._sns = sns_client

    def opted_out(self, phone: str) -> bool:
        answer = self._sns.check_if_phone_number_is_opted_out(phoneNumber=phone)
        return bool(answer["isOptedOut"])

    def send(self, sms: OutgoingSms) -> str:
        try:
            sent = self._sns.publish(
                PhoneNumber=sms.phone,
                Message=sms.text,
                MessageAttributes={"AWS.SNS.SMS.SMSType": TRANSACTIONAL},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in REFUSED_CODES:
                raise Refused(str(error)) from error
            raise
        return str(sent["MessageId"])
