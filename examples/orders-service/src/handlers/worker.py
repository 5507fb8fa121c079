import json
import time
import urllib.request

import boto3

sqs = boto3.client("sqs")


def process(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"])
        with urllib.request.urlopen(f"https://inventory.example.com/reserve/{order['id']}") as resp:
            resp.read()
        time.sleep(1)  # crude rate limiting
