"""Data access shared by the handlers."""
import os

import boto3


def orders_table():
    # a new resource (and its connection pool) on every call
    dynamodb = boto3.resource("dynamodb")
    return dynamodb.Table(os.environ["TABLE_NAME"])
