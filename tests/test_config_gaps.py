"""The issue-6 config gaps: SLS706's fix of the serverless.yml `- sqs: <arn>` string form
(the wrap-config-scalar YAML fixer), SLS705 for CDK queues and SLS707's log retention."""
from __future__ import annotations

import pytest

from sls_lint.fixers.config.yamledit import wrap_yaml_scalar
from sls_lint.fixers.registry import FixError
from sls_lint.project.yamlload import load_yaml

_ADD = {"functionResponseType": "ReportBatchItemFailures"}
_PATH = ("functions", "w", "events", 0, "sqs")


def _sls(events: str, nl: str = "\n") -> str:
    text = "service: s  # svc\nprovider:\n  name: aws\nfunctions:\n  w:\n    handler: h.process\n    events:\n" + events
    return text.replace("\n", nl)


def test_wrap_keeps_crlf_and_other_lines():
    old = _sls("      - sqs: arn:aws:sqs:us-east-1:1:q # q\n      - http: GET /\n", "\r\n")
    new = wrap_yaml_scalar(old, _PATH, "arn", _ADD)
    assert new == _sls("      - sqs:\n          arn: arn:aws:sqs:us-east-1:1:q # q\n"
                       "          functionResponseType: ReportBatchItemFailures\n      - http: GET /\n", "\r\n")
    assert wrap_yaml_scalar(new, _PATH, "arn", _ADD) == new  # twice changes nothing


def test_wrap_anchor_kept_and_checked():
    old = _sls("      - sqs: &q arn:aws:sqs:us-east-1:1:q\n") + "custom:\n  queue: *q\n"
    new = wrap_yaml_scalar(old, _PATH, "arn", _ADD)
    data = load_yaml(new).data
    assert data["custom"]["queue"] == "arn:aws:sqs:us-east-1:1:q"
    assert data["functions"]["w"]["events"][0]["sqs"] == {"arn": "arn:aws:sqs:us-east-1:1:q", **_ADD}


@pytest.mark.parametrize("events", [
    "      - sqs: >-\n          arn:aws:sqs:us-east-1:1:q\n",  # folded: several lines
    "      - {sqs: arn:aws:sqs:us-east-1:1:q}\n",  # flow style
])
def test_wrap_refuses_odd_layouts(events):
    with pytest.raises(FixError):
        wrap_yaml_scalar(_sls(events), _PATH, "arn", _ADD)


def test_wrap_bad_yaml_is_a_fix_error():
    with pytest.raises(FixError):
        wrap_yaml_scalar("a: [\n", ("a",), "arn", _ADD)
