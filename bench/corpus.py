"""A seeded, realistic serverless corpus: services with handlers, helpers, tests and deployment files.

``generate(dest, n_files, seed)`` writes about ``n_files`` Python files (plus one deployment file per
service) under ``dest``. The same (n_files, seed) always gives the same bytes. Roughly a third of
the handlers carry real mistakes (a client created per invocation, an HTTP call without a timeout,
a hard-coded password, a heavy import); the rest are the corrected patterns, so a linter has both
matches and near-misses to look at. File sizes follow the shape of real serverless repositories
(most files 40-200 lines, a tail of large modules; about 130 lines on average).

Run ``python bench/corpus.py DEST N [SEED]`` to write one by hand.
"""
from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

PLATFORMS = ("serverless", "sam", "vercel", "wrangler")

_WORDS = (
    "order user invoice payment customer product cart session report event image upload "
    "message queue record item account profile token batch shipment inventory review"
).split()
_SERVICES = ("s3", "dynamodb", "sqs", "sns", "secretsmanager", "ssm", "kinesis", "events", "lambda", "ses")
_HEAVY = ("pandas", "numpy", "PIL.Image", "openai", "sklearn")


def _name(rng: random.Random, n: int = 2) -> str:
    return "_".join(rng.choice(_WORDS) for _ in range(n))


def _docstring(rng: random.Random, indent: str) -> str:
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14)))
    return f'{indent}"""{words.capitalize()}."""\n'


def _helper_function(rng: random.Random) -> str:
    name = _name(rng)
    arg = rng.choice(_WORDS)
    body = [f"def {name}({arg}: dict, *, limit: int = {rng.randint(1, 100)}) -> list[dict]:\n", _docstring(rng, "    ")]
    body.append("    out = []\n")
    body.append(f"    for key, value in sorted({arg}.items()):\n")
    body.append("        if value is None or key.startswith('_'):\n            continue\n")
    kind = rng.randrange(4)
    if kind == 0:
        body.append("        out.append({'key': key, 'value': str(value)[:limit]})\n")
    elif kind == 1:
        body.append("        out.extend(v for v in (value if isinstance(value, list) else [value]) if v)\n")
    elif kind == 2:
        body.append("        try:\n            out.append(json.loads(value))\n        except (TypeError, ValueError):\n            logger.debug('skip %s', key)\n")
    else:
        body.append("        out.append({k: v for k, v in zip(range(limit), str(value))})\n")
    body.append("    return out[:limit]\n\n\n")
    return "".join(body)


def _helper_class(rng: random.Random) -> str:
    cls = "".join(w.capitalize() for w in _name(rng).split("_"))
    fields = sorted({rng.choice(_WORDS) for _ in range(rng.randint(2, 6))})
    lines = ["@dataclass\n", f"class {cls}:\n", _docstring(rng, "    ")]
    for f in fields:
        lines.append(f"    {f}: str = ''\n")
    lines.append("\n    def to_item(self) -> dict:\n")
    lines.append("        return {" + ", ".join(f"'{f}': self.{f}" for f in fields) + "}\n\n")
    lines.append("    @classmethod\n    def from_item(cls, item: dict) -> '" + cls + "':\n")
    lines.append("        return cls(**{k: str(v) for k, v in item.items() if k in cls.__dataclass_fields__})\n\n\n")
    return "".join(lines)


def _client_block(rng: random.Random, bad: bool, svc: str, var: str) -> tuple[str, str]:
    """(module-level code, handler-level code) for one AWS client."""
    if bad:
        return "", f"    {var} = boto3.client('{svc}')\n"
    if rng.random() < 0.3:
        return (
            f"\n\n@functools.lru_cache(maxsize=None)\ndef get_{var}():\n    return boto3.client('{svc}', config=BOTO_CONFIG)\n",
            f"    {var} = get_{var}()\n",
        )
    return f"{var} = boto3.client('{svc}', config=BOTO_CONFIG)\n", ""


def _http_call(rng: random.Random, bad: bool) -> str:
    method = rng.choice(("get", "post", "put"))
    if bad:
        return f"    resp = requests.{method}(API_URL + '/{rng.choice(_WORDS)}', json=payload)\n"
    return f"    resp = requests.{method}(API_URL + '/{rng.choice(_WORDS)}', json=payload, timeout=(3.05, 10))\n"


def handler_module(rng: random.Random, entry: str, bad_rate: float = 0.35, target_lines: int = 120) -> str:
    bad = {k: rng.random() < bad_rate for k in ("client", "http", "secret", "heavy")}
    svc = rng.choice(_SERVICES)
    var = f"{svc}_client"
    top, inner = _client_block(rng, bad["client"], svc, var)
    parts = ['"""' + _name(rng, 3).replace("_", " ").capitalize() + ' handler."""\n']
    parts.append("import functools\nimport json\nimport logging\nimport os\nfrom dataclasses import dataclass\n\n")
    parts.append("import boto3\nimport requests\nfrom botocore.config import Config\n")
    if bad["heavy"]:
        parts.append(f"import {rng.choice(_HEAVY)}\n")
    parts.append("\nlogger = logging.getLogger(__name__)\n")
    parts.append("BOTO_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={'max_attempts': 2})\n")
    parts.append(f"API_URL = os.environ.get('API_URL', 'https://api.example.com')\nTABLE = os.environ['TABLE_NAME']\n")
    if bad["secret"]:
        parts.append(f"DB_PASSWORD = 'hunter{rng.randint(10, 99)}-{_name(rng)}'\n")
    else:
        parts.append("DB_PASSWORD = os.environ.get('DB_PASSWORD', '')\n")
    parts.append(top)
    parts.append("\n\n")
    body = "".join(parts)
    while body.count("\n") < target_lines - 25:
        body += _helper_class(rng) if rng.random() < 0.3 else _helper_function(rng)
    h = [f"def {entry}(event, context):\n", _docstring(rng, "    ")]
    h.append(inner)
    h.append("    payload = json.loads(event.get('body') or '{}')\n")
    h.append("    logger.info('request %s', context.aws_request_id if context else None)\n")
    h.append(_http_call(rng, bad["http"]))
    h.append("    resp.raise_for_status()\n")
    if svc == "dynamodb":
        h.append(f"    {var}.put_item(TableName=TABLE, Item={{'id': {{'S': payload.get('id', '')}}}})\n")
    else:
        h.append(f"    logger.debug('client %s', {var}.meta.service_model.service_name)\n")
    if rng.random() < 0.5:
        h.append("    for record in event.get('Records', []):\n        logger.info('record %s', record.get('messageId'))\n")
    h.append("    return {'statusCode': 200, 'body': json.dumps(resp.json())}\n")
    return body + "".join(h)


def helper_module(rng: random.Random, target_lines: int) -> str:
    body = ['"""' + _name(rng, 3).replace("_", " ").capitalize() + '."""\n',
            "from __future__ import annotations\n\nimport json\nimport logging\nfrom dataclasses import dataclass\n\n",
            "logger = logging.getLogger(__name__)\n\n\n"]
    text = "".join(body)
    while text.count("\n") < target_lines:
        text += _helper_class(rng) if rng.random() < 0.3 else _helper_function(rng)
    return text


def test_module(rng: random.Random, module: str, entry: str) -> str:
    lines = [f"from handlers.{module} import {entry}\n\n\n"]
    for i in range(rng.randint(2, 8)):
        lines.append(f"def test_{entry}_{i}(monkeypatch):\n")
        lines.append("    monkeypatch.setenv('TABLE_NAME', 't')\n")
        lines.append(f"    password = 'test-password-{i}'\n")
        lines.append(f"    assert callable({entry}) and password\n\n\n")
    return "".join(lines)


def _size(rng: random.Random) -> int:
    # log-normal-ish: median ~110 lines, mean ~140, a tail to ~1,500
    return max(20, min(1500, int(rng.lognormvariate(4.7, 0.75))))


def deployment_file(platform: str, service: str, handlers: list[tuple[str, str]], rng: random.Random) -> tuple[str, str]:
    if platform == "serverless":
        lines = [f"service: {service}\n", "provider:\n  name: aws\n  runtime: python3.12\n"]
        if rng.random() < 0.5:
            lines.append("  timeout: 10\n")
        lines.append("  environment:\n    TABLE_NAME: orders\n")
        if rng.random() < 0.3:
            lines.append("    STRIPE_API_KEY: sk_live_51HdemoDEMOdemoDEMOdemo0000\n")
        lines.append("functions:\n")
        for mod, fn in handlers:
            lines.append(f"  {mod}{fn.title().replace('_', '')}:\n    handler: src/handlers/{mod}.{fn}\n")
            if rng.random() < 0.5:
                lines.append(f"    timeout: {rng.choice((6, 15, 28, 60))}\n")
            lines.append("    events:\n")
            if rng.random() < 0.6:
                lines.append(f"      - httpApi:\n          path: /{mod}\n          method: post\n")
            else:
                lines.append(f"      - sqs:\n          arn: arn:aws:sqs:eu-west-1:123456789012:{mod}\n")
        return "serverless.yml", "".join(lines)
    if platform == "sam":
        lines = ["AWSTemplateFormatVersion: '2010-09-09'\n", "Transform: AWS::Serverless-2016-10-31\n",
                 "Globals:\n  Function:\n    Runtime: python3.12\n    Timeout: 10\n", "Resources:\n"]
        for mod, fn in handlers:
            lines.append(f"  {mod.title().replace('_', '')}{fn.title().replace('_', '')}Function:\n")
            lines.append("    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/handlers/\n")
            lines.append(f"      Handler: {mod}.{fn}\n")
            if rng.random() < 0.5:
                lines.append("      MemorySize: 512\n")
            lines.append(f"      Events:\n        Api:\n          Type: Api\n          Properties:\n            Path: /{mod}\n            Method: get\n")
            lines.append("      Environment:\n        Variables:\n          TABLE_NAME: !Ref Table\n")
        lines.append("  Table:\n    Type: AWS::DynamoDB::Table\n")
        return "template.yaml", "".join(lines)
    if platform == "vercel":
        data = {"functions": {f"api/{mod}.py": {"maxDuration": rng.choice((10, 30, 60)), "memory": 1024} for mod, _ in handlers}}
        return "vercel.json", json.dumps(data, indent=2) + "\n"
    lines = [f'name = "{service}"\n', 'main = "src/handlers/entry.py"\n', 'compatibility_date = "2024-09-23"\n',
             'compatibility_flags = ["python_workers"]\n', "\n[vars]\n", 'API_URL = "https://api.example.com"\n']
    if rng.random() < 0.3:
        lines.append('API_TOKEN = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"\n')
    return "wrangler.toml", "".join(lines)


def generate(dest: str | os.PathLike[str], n_files: int, seed: int = 1) -> dict:
    """Write the corpus; return counts {python_files, deployment_files, lines, bytes}."""
    rng = random.Random(seed)
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    written = py = dep = lines = size = 0
    s = 0
    while py < n_files:
        s += 1
        platform = PLATFORMS[s % len(PLATFORMS)]
        service = f"svc-{s:04d}-{platform}"
        base = root / service
        n_here = min(n_files - py, rng.randint(6, 24))
        n_handlers = max(1, n_here // 3)
        n_tests = max(0, min(n_here - n_handlers - 1, n_here // 5))
        n_helpers = n_here - n_handlers - n_tests
        handlers: list[tuple[str, str]] = []
        files: dict[str, str] = {}
        hdir = "api" if platform == "vercel" else "src/handlers"
        for i in range(n_handlers):
            mod = f"{_name(rng, 1)}_{i}"
            entry = "handler" if platform != "wrangler" else "on_fetch"
            if platform == "serverless" and rng.random() < 0.5:
                entry = "lambda_handler"
            handlers.append((mod, entry))
            files[f"{hdir}/{mod}.py"] = handler_module(rng, entry, target_lines=_size(rng))
        for i in range(n_helpers):
            files[f"src/lib/{_name(rng, 1)}_{i}.py"] = helper_module(rng, _size(rng))
        for i in range(n_tests):
            mod, entry = handlers[i % len(handlers)]
            files[f"tests/test_{mod}_{i}.py"] = test_module(rng, mod, entry)
        if platform != "vercel" and platform != "wrangler":
            files["src/handlers/__init__.py"] = ""
            py += 1  # counted: it is a Python file
        name, text = deployment_file(platform, service, handlers, rng)
        files[name] = text
        for rel, text in files.items():
            p = base / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
            written += 1
            lines += text.count("\n")
            size += len(text.encode())
        py += n_here
        dep += 1
    return {"python_files": py, "deployment_files": dep, "lines": lines, "bytes": size, "seed": seed}


def single_file(path: str | os.PathLike[str], lines: int = 1000, seed: int = 1) -> None:
    """One handler module of about ``lines`` lines (the pre-commit / editor case)."""
    rng = random.Random(seed)
    text = handler_module(rng, "handler", bad_rate=1.0, target_lines=lines)
    Path(path).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python bench/corpus.py DEST N_FILES [SEED]")
    print(json.dumps(generate(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)))
