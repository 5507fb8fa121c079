"""Python fixers: exact output, idempotence, comments kept, one pass over several intents."""
from __future__ import annotations

import textwrap

import pytest

from sls_lint.core import Applicability, FixIntent, Span, freeze
from sls_lint.fixers import FixError, edits_for, fix_source, kinds, register
from sls_lint.fixers.textedits import LineIndex


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def span_of(source: str, snippet: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = source.index(snippet, start + 1)
    index = LineIndex(source)
    return Span(*index.position(start), *index.position(start + len(snippet)))


def intent(kind: str, target: Span | None, **params) -> FixIntent:
    return FixIntent(kind, f"{kind} fix", Applicability.SAFE, target, freeze(params))


def fix(source: str, kind: str, snippet: str, nth: int = 0, **params) -> str:
    new, applied, failed = fix_source(source, [intent(kind, span_of(source, snippet, nth), **params)], path="h.py")
    assert failed == [] and len(applied) == 1
    return new


def failure(source: str, kind: str, snippet: str, **params) -> str:
    new, applied, failed = fix_source(source, [intent(kind, span_of(source, snippet), **params)], path="h.py")
    assert new == source and applied == [] and len(failed) == 1
    return failed[0][1]


def test_builtin_kinds_are_discovered():
    assert {"add-keyword", "hoist-assignment", "hoist-expression", "remove-statement", "replace-node"} <= set(
        kinds("x.py")
    )
    assert "add-keyword" not in kinds("serverless.yml")


# add-keyword ------------------------------------------------------------------------------------


def test_add_keyword_single_line():
    src = "r = requests.get(url)  # fetch\n"
    out = fix(src, "add-keyword", "requests.get(url)", keyword="timeout", value="10")
    assert out == "r = requests.get(url, timeout=10)  # fetch\n"
    again = fix_source(out, [intent("add-keyword", span_of(out, "requests.get(url, timeout=10)"), keyword="timeout", value="10")])
    assert again[0] == out and again[2][0][1] == "the fix changes nothing"


def test_add_keyword_empty_call():
    assert fix("f()\n", "add-keyword", "f()", keyword="timeout", value="5.0") == "f(timeout=5.0)\n"


def test_add_keyword_multiline_with_trailing_comma_and_comments():
    src = dedent(
        """
        def handler(event, context):
            r = requests.get(
                "https://example.com",  # the url
                headers=h,  # headers
            )
        """
    )
    assert fix(src, "add-keyword", src[src.index("requests") : src.rindex(")") + 1], keyword="timeout", value="10") == dedent(
        """
        def handler(event, context):
            r = requests.get(
                "https://example.com",  # the url
                headers=h,  # headers
                timeout=10,
            )
        """
    )


def test_add_keyword_multiline_single_argument_without_trailing_comma():
    src = 'client.invoke(\n    FunctionName="x"\n)\n'
    out = fix(src, "add-keyword", src[:-1], keyword="InvocationType", value='"Event"')
    assert out == 'client.invoke(\n    FunctionName="x",\n    InvocationType="Event"\n)\n'


def test_add_keyword_replace_existing():
    src = "requests.post(u, timeout=None, json=b)\n"
    out = fix(src, "add-keyword", src[:-1], keyword="timeout", value="10", replace=True)
    assert out == "requests.post(u, timeout=10, json=b)\n"
    unchanged = fix_source(src, [intent("add-keyword", span_of(src, src[:-1]), keyword="timeout", value="10")])
    assert unchanged[0] == src


def test_add_keyword_with_import_and_crlf():
    src = "import boto3\r\n\r\ns3 = boto3.client('s3')\r\n"
    out = fix(
        src,
        "add-keyword",
        "boto3.client('s3')",
        keyword="config",
        value="Config(connect_timeout=5)",
        imports=(("botocore.config", "Config"),),
    )
    assert out == (
        "import boto3\r\nfrom botocore.config import Config\r\n\r\n"
        "s3 = boto3.client('s3', config=Config(connect_timeout=5))\r\n"
    )


def test_add_keyword_errors():
    assert failure("x = 1\n", "add-keyword", "x = 1", keyword="t", value="1").startswith("no call at 1:1")
    assert "not an expression" in failure("f()\n", "add-keyword", "f()", keyword="t", value="1 +")
    assert "needs params" in failure("f()\n", "add-keyword", "f()", keyword="not a name", value="1")


# hoist-assignment -------------------------------------------------------------------------------

HANDLER = dedent(
    '''
    """Orders API."""
    import boto3
    import os

    TABLE = os.environ["TABLE"]


    # Entry point.
    @app.route("/")
    def handler(event, context):
        """Handle."""
        # one client per cold start
        client = boto3.client(
            "dynamodb",
            region_name="eu-west-1",
        )  # slow
        return client.get_item(TableName=TABLE)
    '''
)


def test_hoist_assignment_moves_before_decorators_and_comments():
    snippet = HANDLER[HANDLER.index("client = ") : HANDLER.index(")  # slow") + 1]
    out = fix(HANDLER, "hoist-assignment", snippet)
    assert out == dedent(
        '''
        """Orders API."""
        import boto3
        import os

        TABLE = os.environ["TABLE"]


        # one client per cold start
        client = boto3.client(
            "dynamodb",
            region_name="eu-west-1",
        )  # slow


        # Entry point.
        @app.route("/")
        def handler(event, context):
            """Handle."""
            return client.get_item(TableName=TABLE)
        '''
    )


def test_hoist_assignment_empty_body_gets_pass_and_first_statement():
    src = "# about f\ndef f():\n    x = compute()  # c\n"
    assert fix(src, "hoist-assignment", "x = compute()") == "x = compute()  # c\n\n\n# about f\ndef f():\n    pass\n"


def test_hoist_assignment_keeps_shebang_and_cookie_on_top():
    src = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\ndef f():\n    x = 1\n    return x\n"
    assert fix(src, "hoist-assignment", "x = 1") == (
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nx = 1\n\n\ndef f():\n    return x\n"
    )


def test_hoist_assignment_from_method_goes_before_class():
    src = "import re\n\n\nclass H:\n    def run(self):\n        pat = re.compile('x')\n        return pat\n"
    assert fix(src, "hoist-assignment", "pat = re.compile('x')") == (
        "import re\n\n\npat = re.compile('x')\n\n\nclass H:\n    def run(self):\n        return pat\n"
    )


@pytest.mark.parametrize(
    "src, snippet, reason",
    [
        ("def f(a):\n    x = g(a)\n", "x = g(a)", "local to the function"),
        ("def f():\n    x = Y\n\nY = 1\n", "x = Y", "defined below"),
        ("x = 0\ndef f():\n    x = 1\n", "x = 1", "already binds"),
        ("def f():\n    x = 1\n    x = 2\n", "x = 1", "more than once"),
        ("x = 1\n", "x = 1", "not inside a function"),
        ("def f():\n    a.b = 1\n", "a.b = 1", "plain names"),
    ],
)
def test_hoist_assignment_refuses_unsafe_moves(src, snippet, reason):
    assert reason in failure(src, "hoist-assignment", snippet)


def test_hoist_assignment_allows_names_bound_inside_the_expression():
    src = "import os\ndef f():\n    keys = [k for k in os.environ]\n    return keys\n"
    assert fix(src, "hoist-assignment", "keys = [k for k in os.environ]").startswith(
        "import os\nkeys = [k for k in os.environ]\n"
    )


# hoist-expression -------------------------------------------------------------------------------


def test_hoist_expression_replaces_by_name():
    src = "import re\n\n\ndef handler(event, context):\n    if re.compile(r'\\d+').match(event['id']):  # check\n        return 1\n"
    out = fix(src, "hoist-expression", "re.compile(r'\\d+')", name="ID_RE")
    assert out == (
        "import re\n\n\nID_RE = re.compile(r'\\d+')\n\n\ndef handler(event, context):\n"
        "    if ID_RE.match(event['id']):  # check\n        return 1\n"
    )


def test_hoist_expression_multiline_is_reindented_and_reuses_existing_name():
    src = dedent(
        """
        def handler(event, context):
            return Session(
                timeout=3,
            ).get(event["url"])
        """
    )
    out = fix(src, "hoist-expression", "Session(\n        timeout=3,\n    )", name="SESSION")
    assert out == dedent(
        """
        SESSION = Session(
            timeout=3,
        )


        def handler(event, context):
            return SESSION.get(event["url"])
        """
    )
    src2 = out + "\n\ndef other():\n    return Session(\n        timeout=3,\n    )\n"
    out2 = fix(src2, "hoist-expression", "Session(\n        timeout=3,\n    )", name="SESSION")
    assert out2 == out + "\n\ndef other():\n    return SESSION\n"


def test_hoist_expression_refuses_locals_and_taken_names():
    assert "local" in failure("def f(event):\n    return g(event)\n", "hoist-expression", "g(event)", name="G")
    assert "already binds" in failure("G = 1\ndef f():\n    return g()\n", "hoist-expression", "g()", name="G")
    assert "identifier" in failure("def f():\n    return g()\n", "hoist-expression", "g()", name="1x")


# remove-statement / replace-node ----------------------------------------------------------------


def test_remove_statement_keeps_comments_and_blank_lines():
    src = "def f():\n    a()\n\n    # why\n    print('debug')  # noisy\n\n    return 1\n"
    assert fix(src, "remove-statement", "print('debug')") == "def f():\n    a()\n\n    # why\n\n    return 1\n"


def test_remove_statement_last_in_block_gets_pass():
    src = "if DEBUG:\n    print('x')\nelse:\n    pass\n"
    assert fix(src, "remove-statement", "print('x')") == "if DEBUG:\n    pass\nelse:\n    pass\n"


def test_remove_statement_on_shared_line_and_one_line_suite():
    assert fix("a(); b(); c()\n", "remove-statement", "c()") == "a(); b()\n"
    assert fix("a(); b()\n", "remove-statement", "a()") == "b()\n"
    assert fix("if x: b()\n", "remove-statement", "b()") == "if x: pass\n"


def test_remove_statement_compound_and_module_level():
    src = "import os\n\n\ndef unused():\n    pass\n\n\nx = 1\n"
    assert fix(src, "remove-statement", "def unused():\n    pass") == "import os\n\n\nx = 1\n"


def test_replace_node_expression_keeps_parentheses():
    src = "x = (a +\n     b) * 2\n"
    assert fix(src, "replace-node", "a +\n     b", code="total") == "x = (total) * 2\n"


def test_replace_node_statement_with_several_statements_keeps_comment():
    src = "def f():\n    # set up\n    x = None  # todo\n    return x\n"
    out = fix(src, "replace-node", "x = None", code="x = 1\ny = x")
    assert out == "def f():\n    # set up\n    x = 1\n    y = x  # todo\n    return x\n"


def test_replace_node_statement_with_compound_statement_is_indented():
    src = "def f():\n    go()\n"
    out = fix(src, "replace-node", "go()", code="try:\n    go()\nexcept Exception:\n    raise\n")
    assert out == "def f():\n    try:\n        go()\n    except Exception:\n        raise\n"


def test_replace_node_that_breaks_the_code_is_rejected():
    src = "def f():\n    return 1\n"
    assert "not an expression" in failure(src, "replace-node", "1", code="yield from")
    assert "not valid Python" in failure(src, "replace-node", "return 1", code="return 1 +")


# dispatch and one pass --------------------------------------------------------------------------


def test_unknown_kind_and_file_type():
    with pytest.raises(FixError, match="no fixer for 'nope'"):
        edits_for("x\n", intent("nope", None), path="a.py")
    with pytest.raises(FixError, match=r"in \.toml files"):
        edits_for("x\n", intent("add-keyword", None), path="wrangler.toml")


def test_registering_a_fixer_for_another_file_type():
    @register("test-upper", suffixes=(".txt",))
    def upper(source: str, fix: FixIntent) -> str:
        return source.upper()

    assert edits_for("ab\ncd\n", intent("test-upper", None), path="notes.txt")[0].new_text == "AB\nCD"


def test_fix_source_applies_compatible_intents_in_one_pass():
    src = dedent(
        """
        import requests


        def handler(event, context):
            a = requests.get(event["a"])
            b = requests.get(event["b"])
            print(a)
            return a, b
        """
    )
    intents = [
        intent("add-keyword", span_of(src, 'requests.get(event["a"])'), keyword="timeout", value="T", imports=(("os", None),)),
        intent("add-keyword", span_of(src, 'requests.get(event["b"])'), keyword="timeout", value="T", imports=(("os", None),)),
        intent("replace-node", span_of(src, 'requests.get(event["b"])'), code="None"),  # overlaps: next pass
        intent("remove-statement", span_of(src, "print(a)")),
        intent("remove-statement", Span(40, 1, 40, 2)),  # no such statement: fails
    ]
    new, applied, failed = fix_source(src, intents, path="h.py")
    assert new == dedent(
        """
        import requests
        import os


        def handler(event, context):
            a = requests.get(event["a"], timeout=T)
            b = requests.get(event["b"], timeout=T)
            return a, b
        """
    )
    assert applied == [intents[0], intents[1], intents[3]]
    assert [i for i, _ in failed] == [intents[4]]


def test_fix_source_never_returns_code_that_does_not_parse():
    src = "def f():\n    return 1\n"
    bad = intent("replace-node", span_of(src, "return 1"), code="return 1")
    broken = FixIntent("test-break", "t", Applicability.SAFE)

    @register("test-break")
    def breaker(source: str, fix: FixIntent) -> str:
        return source.replace("return", "retur n")

    new, applied, failed = fix_source(src, [broken, bad], path="h.py")
    assert new == src and applied == []
    assert "does not parse" in failed[0][1]
    assert failed[1][1] == "the fix changes nothing"


def test_fix_source_defers_intents_that_only_break_together():
    src = "def f():\n    a = 1\n    b = 2\n"
    intents = [intent("hoist-assignment", span_of(src, "a = 1")), intent("hoist-assignment", span_of(src, "b = 2"))]
    new, applied, failed = fix_source(src, intents)
    assert failed == []
    assert (new, applied) in (
        ("a = 1\n\n\ndef f():\n    b = 2\n", [intents[0]]),
        ("a = 1\nb = 2\n\n\ndef f():\n    pass\n", intents),
    )


def test_hoist_with_crlf_and_tab_indentation():
    src = "import re\r\n\r\n\r\ndef f(s):\r\n\tpat = re.compile(\r\n\t\t'x',\r\n\t)\r\n\treturn pat.match(s)\r\n"
    out = fix(src, "hoist-assignment", "pat = re.compile(\r\n\t\t'x',\r\n\t)")
    assert out == "import re\r\n\r\n\r\npat = re.compile(\r\n\t'x',\r\n)\r\n\r\n\r\ndef f(s):\r\n\treturn pat.match(s)\r\n"


def test_the_same_intent_twice_is_applied_once():
    src = "f(x)\n"
    same = intent("add-keyword", span_of(src, "f(x)"), keyword="timeout", value="1")
    new, applied, failed = fix_source(src, [same, same])
    assert new == "f(x, timeout=1)\n" and applied == [same, same] and failed == []
