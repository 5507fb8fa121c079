import json

import requests

from lib.db import orders_table

PAYMENTS_URL = "https://payments.example.com/charge"


def create_order(event, context):
    order = json.loads(event["body"])
    charge = requests.post(PAYMENTS_URL, json={"amount": order["total"]})
    orders_table().put_item(Item={"id": order["id"], "charge": charge.json()["id"]})
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}


def get_order(event, context):
    item = orders_table().get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item or {})}
