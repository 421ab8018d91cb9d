"""The local stack's patch that gives a CloudFormation bucket its S3 -> SQS notifications
(moto 5.2.5 drops NotificationConfiguration): template.yaml's shape in, moto's delivery out."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from infra.local import cfn_patches
from tests.helpers.emulator import REGION

BUCKET = "civiq-test-readings"


def test_queue_configurations_from_the_template_deliver_matching_uploads(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="uploads")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    properties: dict[str, Any] = {  # as template.yaml's ReadingsBucket declares it
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": queue_arn,
                    "Filter": {
                        "S3Key": {
                            "Rules": [
                                {"Name": "prefix", "Value": "imports/"},
                                {"Name": "suffix", "Value": ".csv"},
                            ]
                        }
                    },
                }
            ]
        }
    }
    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(BUCKET)
    cfn_patches._apply_bucket_notifications(bucket, "ReadingsBucket", properties)
    for key in ("imports/A1.csv", "imports/A1.txt", "letters/A1.csv"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"meter_serial,read_on,value\n")
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert bodies[0]["Event"] == "s3:TestEvent"  # as S3 sends when the configuration is set
    keys = [unquote_plus(b["Records"][0]["s3"]["object"]["key"]) for b in bodies[1:]]
    assert keys == ["imports/A1.csv"]  # keys arrive URL-encoded, as from S3


def test_destinations_the_template_does_not_use_are_refused(aws: None) -> None:
    properties = {"NotificationConfiguration": {"LambdaConfigurations": []}}
    with pytest.raises(NotImplementedError, match="LambdaConfigurations"):
        cfn_patches._apply_bucket_notifications(None, "Bucket", properties)  # type: ignore[arg-type]
