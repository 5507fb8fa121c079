"""Uploaded file decoded and processed inside an HTTP request.

## What it does
Finds HTTP-triggered functions that decode an uploaded body (`base64.b64decode(event["body"])`,
`cgi` / multipart parsers of the body, Flask `request.files` / `request.get_data()`, FastAPI and
Starlette `UploadFile`, `await request.body()` / `request.form()`) and hand it, directly or
through local variables, to a processing call in the same function: Pillow, OpenCV, pandas
readers, `zipfile` / `tarfile`, PDF and Office readers, `ffmpeg` through `subprocess`, audio
loaders. The message names the decoded input and the processing call.

Not reported: the same code in a function triggered by S3 (or a queue, or a schedule), which
is the recommended shape; HTTP handlers that only store the body or sign an upload URL; and
processing of data that does not come from the request.

## Why is this bad?
The request path has hard limits: 6 MB Lambda payloads, 10 MB API Gateway bodies, 4.5 MB on
Vercel, 29-30 s API Gateway timeouts, and binary bodies must be base64-encoded through API
Gateway. Processing in the request holds the client (and a concurrency slot) for the whole job,
fails on large files and retries badly. Let clients upload straight to storage with a presigned
URL and process the object in a function triggered by the upload, answering `202 Accepted`.

## Example
```python
import base64
import io

from PIL import Image

def handler(event, context):
    image = Image.open(io.BytesIO(base64.b64decode(event["body"])))
    image.thumbnail((256, 256))
    return {"statusCode": 200}
```

## Use instead
```python
import boto3

s3 = boto3.client("s3")

def handler(event, context):
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": "uploads", "Key": f"in/{context.aws_request_id}.png", "ContentType": "image/png"},
        ExpiresIn=300,
    )
    return {"statusCode": 200, "body": url}
```

## Fix safety
No automatic fix: the advice is an architecture change (presigned upload, then processing in
an S3-triggered function).

## Options
None.

## References
- [Uploading objects with presigned URLs](https://docs.aws.amazon.com/AmazonS3/latest/userguide/PresignedUrlUploadObject.html)
- [API Gateway binary payloads](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html)
- [Lambda quotas (payload size)](https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
"""
from __future__ import annotations

import ast

from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.rules.files._shared import is_http, names_in, positional, request_params, tainted_names

DECODERS = frozenset({"base64.b64decode", "base64.decodebytes", "base64.urlsafe_b64decode", "base64.standard_b64decode", "binascii.a2b_base64"})
PARSERS = frozenset({
    "cgi.FieldStorage", "multipart.parse_form_data", "multipart.MultipartParser", "python_multipart.parse_form",
    "multipart.multipart.parse_form", "requests_toolbelt.multipart.decoder.MultipartDecoder",
    "requests_toolbelt.MultipartDecoder", "email.message_from_bytes", "email.parser.BytesParser.parsebytes",
})
FLASK_SOURCES = ("flask.request.files", "flask.request.get_data", "flask.request.data", "flask.request.stream", "flask.request.form")
UPLOAD_TYPES = frozenset({"fastapi.UploadFile", "starlette.datastructures.UploadFile", "fastapi.datastructures.UploadFile"})
PROCESSORS = frozenset({
    "PIL.Image.open", "PIL.Image.frombytes", "cv2.imdecode", "cv2.imread", "imageio.imread", "imageio.v3.imread", "skimage.io.imread",
    "pandas.read_csv", "pandas.read_excel", "pandas.read_parquet", "pandas.read_json", "polars.read_csv", "polars.read_excel",
    "zipfile.ZipFile", "tarfile.open", "pypdf.PdfReader", "PyPDF2.PdfReader", "PyPDF2.PdfFileReader", "fitz.open", "pymupdf.open",
    "pdfplumber.open", "openpyxl.load_workbook", "docx.Document", "pydub.AudioSegment.from_file", "soundfile.read", "librosa.load",
    "whisper.load_audio", "ffmpeg.input",
})
SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"})


class SyncUploadProcessing(Rule):
    code = "SLS601"
    call_names = PROCESSORS | SUBPROCESS  # _processor accepts nothing else
    name = "sync-upload-processing"
    summary = "Uploaded file decoded and processed inside an HTTP request"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("b64decode", "decodebytes", "base64", "multipart", "FieldStorage", "files", "get_data", "UploadFile", "body()", "form()", "request")

    def begin_module(self, ctx) -> None:
        self._done: set = set()

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        qual = model.call_name(node) or ""
        label = self._processor(model, node, qual)
        if label is None:
            return
        reach = ctx.reach_of(node)
        if reach is None:
            return
        http = is_http(reach.function)
        if http is False:
            return
        info = model.enclosing_function(node)
        if info is None:
            return
        params = request_params(ctx, info, reach)
        upload_params = {a.arg for a in info.node.args.args + info.node.args.kwonlyargs if a.annotation is not None and (model.qualified_name(a.annotation) or "") in UPLOAD_TYPES}

        def source_text(n: ast.AST) -> str | None:
            return _source(model, n, params, upload_params)

        sources: dict[str, str] = {}

        def is_source(n: ast.AST) -> bool:
            text = source_text(n)
            if text is not None:
                sources.setdefault("first", text)
                return True
            return False

        tainted = tainted_names(info, set(upload_params), is_source)
        found = None
        for arg in list(node.args) + [k.value for k in node.keywords]:
            for n in ast.walk(arg):
                text = source_text(n)
                if text is not None:
                    found = text
                    break
            if found:
                break
            hit = names_in(arg) & tainted
            if hit:
                found = sources.get("first") or f"`{sorted(hit)[0]}`"
                break
        if found is None:
            return
        if http is None and not _looks_http(found):
            return
        where = f"`{reach.function.name}`"
        ctx.report(
            node,
            f"HTTP function {where} decodes the uploaded body ({found}) and processes it with {label} inside the request; "
            "have clients upload straight to storage with a presigned URL (S3 generate_presigned_url / generate_presigned_post) "
            "and process the object in a function triggered by the upload",
            function=reach.function.name,
        )

    def _processor(self, model, node: ast.Call, qual: str) -> str | None:
        if qual in PROCESSORS:
            return f"`{qual}`"
        if qual in SUBPROCESS and node.args:
            first = node.args[0]
            words = []
            if isinstance(first, (ast.List, ast.Tuple)):
                words = [e.value for e in first.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                words = first.value.split()
            if any(w.rsplit("/", 1)[-1] in ("ffmpeg", "ffprobe", "convert", "magick", "libreoffice", "soffice") for w in words[:1]):
                return f"`{words[0].rsplit('/', 1)[-1]}` via `{qual}`"
        return None


def _looks_http(text: str) -> bool:
    return "body" in text or "request" in text or "files" in text or "UploadFile" in text


def _mentions_body(model, node: ast.AST, params: set[str]) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id in params:
            key = n.slice
            if isinstance(key, ast.Constant) and key.value == "body":
                return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get" and isinstance(n.func.value, ast.Name) and n.func.value.id in params:
            if n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value == "body":
                return True
        if isinstance(n, ast.Attribute) and n.attr == "body" and isinstance(n.value, ast.Name) and n.value.id in params:
            return True
    return False


def _source(model, n: ast.AST, params: set[str], upload_params: set[str]) -> str | None:
    """A description of ``n`` when it decodes / reads the request's uploaded body."""
    if isinstance(n, ast.Call):
        qual = model.call_name(n) or ""
        if qual in DECODERS and n.args and _mentions_body(model, n.args[0], params):
            return f"`{model.node_text(n)}`"
        if qual in PARSERS and (any(_mentions_body(model, a, params) for a in n.args) or any(_mentions_body(model, k.value, params) for k in n.keywords)):
            return f"`{model.node_text(n)}`"
        if qual in ("flask.request.get_data",):
            return "`request.get_data()`"
        if isinstance(n.func, ast.Attribute) and n.func.attr in ("body", "form", "read") and isinstance(n.func.value, ast.Name):
            if n.func.value.id in params and n.func.attr in ("body", "form") and n.func.value.id in ("request", "req"):
                return f"`{model.node_text(n)}`"
            if n.func.value.id in upload_params and n.func.attr == "read":
                return f"`{model.node_text(n)}` (UploadFile)"
    if isinstance(n, ast.Attribute):
        qual = model.qualified_name(n) or ""
        if qual in FLASK_SOURCES:
            return f"`{model.node_text(n)}`"
        if isinstance(n.value, ast.Name) and n.value.id in upload_params and n.attr == "file":
            return f"`{model.node_text(n)}` (UploadFile)"
    return None


_SLS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: handler.handler\n    events:\n"
_CODE = "import base64\nimport io\nfrom PIL import Image\n\ndef handler(event, context):\n    data = base64.b64decode(event['body'])\n    image = Image.open(io.BytesIO(data))\n    image.thumbnail((64, 64))\n    return {'statusCode': 200}\n"

VALID = [
    Case(_CODE, files={"serverless.yml": _SLS + "      - s3: uploads\n"}, note="S3-triggered: the recommended shape"),
    Case(_CODE, files={"serverless.yml": _SLS + "      - sqs: arn:aws:sqs:eu-west-1:1:q\n"}),
    Case("import boto3\nfrom PIL import Image\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    for r in event['Records']:\n        s3.download_file(r['s3']['bucket']['name'], r['s3']['object']['key'], '/tmp/in.png')\n        Image.open('/tmp/in.png').thumbnail((64, 64))\n",
         files={"serverless.yml": _SLS + "      - s3: uploads\n"}, note="downloads and processes an upload in an S3 handler"),
    Case("import base64\nimport boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    s3.put_object(Bucket='b', Key='k', Body=base64.b64decode(event['body']))\n    return {'statusCode': 202}\n", note="only stores the body"),
    Case("from PIL import Image\n\ndef handler(event, context):\n    Image.open('/var/task/logo.png').thumbnail((8, 8))\n    return {'statusCode': 200}\n", note="not request data"),
    Case("import base64, io\nfrom PIL import Image\n\ndef make_thumb(b64):\n    return Image.open(io.BytesIO(base64.b64decode(b64)))\n", note="no handler reaches it"),
    Case("import base64, subprocess\n\ndef handler(event, context):\n    with open('/tmp/in.mp4', 'wb') as f:\n        f.write(base64.b64decode(event['body']))\n    subprocess.run(['ffmpeg', '-i', '/tmp/in.mp4', '/tmp/out.mp3'], check=True, timeout=20)\n    return {'statusCode': 200}\n",
         note="data flows through a file: not followed (the ffmpeg call has no request data)"),
]

INVALID = [
    Case(_CODE, files={"serverless.yml": _SLS + "      - http:\n          path: /u\n          method: post\n"}, line=7,
         message="decodes the uploaded body (`base64.b64decode(event['body'])`) and processes it with `PIL.Image.open`"),
    Case(_CODE, line=7, note="trigger unknown, API Gateway body shape"),
    Case("import io\nimport pandas as pd\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n@app.post('/import')\ndef upload():\n    frame = pd.read_csv(request.files['file'])\n    return {'rows': len(frame)}\n",
         path="api/index.py", files={"vercel.json": "{}"}, line=9, message="`pandas.read_csv`"),
    Case("import zipfile\nfrom fastapi import FastAPI, UploadFile\n\napp = FastAPI()\n\n@app.post('/zip')\nasync def unzip(file: UploadFile):\n    with zipfile.ZipFile(file.file) as z:\n        return z.namelist()\n",
         path="api/index.py", files={"vercel.json": "{}"}, line=8, message="UploadFile"),
]
