import base64
import io

import boto3
import pandas as pd  # heavy import, used only by the report branch
from PIL import Image


def resize(event, context):
    s3 = boto3.client("s3")
    image = Image.open(io.BytesIO(base64.b64decode(event["body"])))
    image.thumbnail((256, 256))
    out = io.BytesIO()
    image.save(out, format="PNG")
    s3.put_object(Bucket="thumbnails", Key=event["pathParameters"]["name"], Body=out.getvalue())
    if event.get("queryStringParameters", {}).get("report"):
        return {"statusCode": 200, "body": pd.DataFrame([image.size]).to_csv()}
    return {"statusCode": 201}
