"""Loaders behind the project model: positions, inert tags, and hostile input."""
from __future__ import annotations

import os

import pytest

from sls_lint.project import Tagged, build_project
from sls_lint.project.jsonload import load_json, strip_jsonc
from sls_lint.project.tomlload import load_toml
from sls_lint.project.yamlload import load_yaml
from test_project_support import discover

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def write(tmp_path, files: dict[str, str | bytes]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    files_, trees = discover(str(tmp_path))
    return build_project(str(tmp_path), files_, trees)


# -- YAML ----------------------------------------------------------------------------------------
def test_yaml_positions_and_plain_data():
    r = load_yaml("# c\nprovider:\n  timeout: 10\n  list:\n    - a\n    - {b: 0x10, c: 1.5, d: ~, e: yes}\n")
    assert r.error is None
    assert r.data == {"provider": {"timeout": 10, "list": ["a", {"b": 16, "c": 1.5, "d": None, "e": True}]}}
    assert r.locations[("provider", "timeout")] == (3, 3)
    assert r.locations[("provider", "list", 1)] == (6, 7)
    assert r.locations[("provider", "list", 1, "c")] == (6, 17)
    assert r.value_locations[("provider", "timeout")] == (3, 12)


def test_yaml_columns_are_characters():
    r = load_yaml("é: [x, ü, y]\n")
    assert r.locations[("é", 2)] == (1, 11)


def test_yaml_short_form_tags_are_inert():
    r = load_yaml("a: !Ref Foo\nb: !GetAtt [Fn, Arn]\nc: !Sub\n  - '${X}'\n  - {X: 1}\nd: !If [C, !Ref A, !Ref B]\n")
    assert r.data["a"] == Tagged("!Ref", "Foo") and r.data["a"].name == "Ref"
    assert r.data["b"] == Tagged("!GetAtt", ["Fn", "Arn"])
    assert r.data["c"] == Tagged("!Sub", ["${X}", {"X": 1}])
    assert r.data["d"] == Tagged("!If", ["C", Tagged("!Ref", "A"), Tagged("!Ref", "B")])


def test_yaml_python_tags_never_execute(tmp_path):
    marker = tmp_path / "pwned"
    text = (
        f"a: !!python/object/apply:os.system ['touch {marker}']\n"
        "b: !!python/object:collections.OrderedDict {x: 1}\n"
        "c: !!python/name:os.system ''\n"
    )
    r = load_yaml(text)
    assert r.error is None
    assert r.data["a"] == Tagged("tag:yaml.org,2002:python/object/apply:os.system", [f"touch {marker}"])
    assert isinstance(r.data["b"], Tagged) and r.data["b"].value == {"x": 1}
    assert isinstance(r.data["c"], Tagged)
    project = write(tmp_path, {"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\n" + text})
    assert project.docs[0].error is None
    assert not marker.exists()


def test_yaml_merge_keys():
    r = load_yaml("base: &base {timeout: 5, memorySize: 256}\nfn:\n  <<: *base\n  timeout: 9\n")
    assert r.data["fn"] == {"timeout": 9, "memorySize": 256}


def test_yaml_alias_bomb_is_an_error_not_a_hang():
    r = load_yaml(BOMB, max_nodes=100_000)
    assert r.data is None
    assert r.error is not None and "alias bomb" in r.error[2]
    assert r.error[0] >= 1


def test_yaml_alias_bomb_in_a_project(tmp_path):
    project = write(tmp_path, {"serverless.yml": BOMB})
    (doc,) = project.docs
    assert doc.error is not None and "nodes" in doc.error[2]
    assert project.functions == []


def test_yaml_deep_nesting():
    flow = "a: " + "[" * 300 + "]" * 300 + "\n"
    r = load_yaml(flow)
    assert r.error is not None and "nesting" in r.error[2] and r.data is None
    block = "".join("  " * i + f"k{i}:\n" for i in range(300)) + "  " * 300 + "v: 1\n"
    r = load_yaml(block)
    assert r.error is not None and "nesting" in r.error[2]
    r = load_yaml("a: " + "[" * 5000 + "]" * 5000)  # beyond libyaml's own limit
    assert r.error is not None


def test_yaml_recursive_anchor():
    r = load_yaml("a: &a [1, *a]\n")
    assert r.error is not None


def test_yaml_syntax_error_has_position():
    r = load_yaml("provider:\n  name: aws\n timeout: [\n")
    assert r.data is None
    line, col, msg = r.error
    assert line == 3 and col >= 1 and msg.startswith("invalid YAML")


def test_yaml_empty_document():
    r = load_yaml("# only a comment\n")
    assert r.error is None and r.data is None


# -- JSON / JSONC --------------------------------------------------------------------------------
def test_json_positions():
    r = load_json('{\n  "functions": {\n    "api/*.py": {"maxDuration": 10}\n  },\n  "x": [1, 2]\n}\n')
    assert r.error is None
    assert r.locations[("functions", "api/*.py", "maxDuration")] == (3, 18)
    assert r.locations[("x", 1)] == (5, 12)
    assert r.data["functions"]["api/*.py"]["maxDuration"] == 10


@pytest.mark.parametrize(
    "text, line, col",
    [
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3),
        ('{"a": 1,}', 1, 8),
        ('{"a": // c\n 1}', 1, 7),
        ('{"a": tru}', 1, 7),
        ('{"a": "x', 1, 7),
        ("", 1, 1),
        ('{"a": 1} {}', 1, 10),
    ],
)
def test_json_errors_have_positions(text, line, col):
    r = load_json(text)
    assert r.data is None
    assert r.error[:2] == (line, col), r.error


def test_jsonc_comments_and_trailing_commas():
    text = '/* head */\n{\n  "a": "http://x//y", // tail\n  "b": [1, 2,],\n  /* c */ "c": {"d": true,},\n}\n'
    r = load_json(text, tolerant=True)
    assert r.error is None
    assert r.data == {"a": "http://x//y", "b": [1, 2], "c": {"d": True}}
    assert r.locations[("c", "d")] == (5, 17)
    stripped = strip_jsonc(text)
    assert len(stripped) == len(text) and '"http://x//y"' in stripped and "tail" not in stripped
    import json

    assert json.loads(stripped) == r.data


def test_json_deep_nesting():
    r = load_json("[" * 300 + "]" * 300)
    assert r.error is not None and "nesting" in r.error[2]
    r = load_json("[" * 100_000)
    assert r.error is not None


# -- TOML ----------------------------------------------------------------------------------------
def test_toml_positions():
    r = load_toml('# c\nname = "w"\n\n[limits]\ncpu_ms = 50\n\n[env.staging]\nname = "w-staging"\n')
    assert r.error is None
    assert r.locations[("name",)] == (2, 1)
    assert r.locations[("limits", "cpu_ms")] == (5, 1)
    assert r.value_locations[("limits", "cpu_ms")] == (5, 10)
    assert r.locations[("env", "staging", "name")] == (8, 1)


def test_toml_errors_have_positions():
    r = load_toml('name = "w"\nmain = \n')
    assert r.data is None and r.error[0] == 2 and r.error[2].startswith("invalid TOML")


def test_toml_deep_nesting_does_not_raise():
    r = load_toml("a = " + "[" * 300 + "]" * 300 + "\n")
    assert r.error is not None or r.data is not None


# -- projects with broken files ------------------------------------------------------------------
def test_broken_files_become_doc_errors(tmp_path):
    project = write(tmp_path, {
        "serverless.yml": "service: x\nfunctions:\n  a: [\n",
        "infra/template.json": '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {,}}',
        "vercel.json": '{"functions": {"api/*.py": {"maxDuration": 10,}}}',
        "wrangler.toml": 'name = "w"\nmain = "src/entry.py\n',
        "worker/wrangler.jsonc": '{"main": "x.py" "name": 1}',
        "bad/template.yaml": b"AWSTemplateFormatVersion: x\nDescription: \xff\xfe\n",
        "api/index.py": "def broken(:\n",
    })
    errors = {d.path: d.error for d in project.docs}
    assert set(errors) == {"serverless.yml", "infra/template.json", "vercel.json", "wrangler.toml",
                           "worker/wrangler.jsonc", "bad/template.yaml"}
    for path, err in errors.items():
        assert err is not None, path
        line, col, msg = err
        assert line >= 1 and col >= 1 and msg, path
    assert errors["serverless.yml"][0] == 4 or errors["serverless.yml"][0] == 3
    assert errors["vercel.json"][:2] == (1, 46)
    assert errors["wrangler.toml"][0] == 2
    assert project.functions == []


def test_unreadable_python_file_is_not_a_function(tmp_path):
    project = write(tmp_path, {"handler.py": "def handler(event, context):\n    return (\n"})
    assert project.functions == []
    assert os.path.exists(tmp_path / "handler.py")
