"""Configuration: finding, validating and resolving [tool.sls-lint] settings."""
from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import jsonschema
import pytest

from sls_lint.config import (
    DEFAULT_EXCLUDE,
    Config,
    ConfigError,
    RuleOption,
    find_config_file,
    load_config,
    load_schema,
)

FIXTURES = Path(__file__).parent / "fixtures" / "config"

OPTIONS = [
    RuleOption("default-timeout", "number", 10, "Timeout suggested for HTTP calls, in seconds."),
    RuleOption("max-retries", "integer", 3, "Retries before giving up."),
    RuleOption("allowed-clients", "array", ["requests"], "Clients to check.", items="string"),
    RuleOption("mode", "string", "strict", "How strict.", enum=("strict", "lenient")),
    RuleOption("check-env", "boolean", True, "Check environment variables."),
]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str | None = None, name: str = "pyproject.toml", **kw) -> Config:
    if text is not None:
        write(tmp_path / name, text)
    return load_config(None, start=str(tmp_path), rule_options=OPTIONS, **kw)


def error(tmp_path: Path, text: str, name: str = "pyproject.toml", **kw) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, name, **kw)
    return info.value


# -- the schema -------------------------------------------------------------------------------


def test_shipped_schema_is_valid_draft_2020_12():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert {"extend", "select", "extend-select", "ignore", "per-file-ignores", "exclude",
            "extend-exclude", "include-vendored", "respect-gitignore", "test-paths",
            "cache-dir", "jobs", "fail-on"} == set(schema["properties"])


def test_load_schema_returns_a_copy():
    load_schema()["properties"]["bogus"] = {}
    assert "bogus" not in load_schema()["properties"]


# -- finding the file -------------------------------------------------------------------------


def test_nearest_config_file_wins(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.sls-lint]\nselect = ['SLS1']\n")
    write(tmp_path / "svc" / "pyproject.toml", "[tool.sls-lint]\nselect = ['SLS2']\n")
    deep = tmp_path / "svc" / "src" / "handlers"
    deep.mkdir(parents=True)
    assert find_config_file(str(deep)) == str(tmp_path / "svc" / "pyproject.toml")
    cfg = load_config(None, start=str(deep), rule_options=OPTIONS)
    assert cfg.select == ("SLS2",)
    assert cfg.root == str(tmp_path / "svc")
    assert cfg.path == str(tmp_path / "svc" / "pyproject.toml")


def test_pyproject_without_table_is_not_a_config(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.sls-lint]\nselect = ['SLS1']\n")
    write(tmp_path / "svc" / "pyproject.toml", "[project]\nname = 'svc'\n[tool.ruff]\nline-length = 99\n")
    assert find_config_file(str(tmp_path / "svc")) == str(tmp_path / "pyproject.toml")


def test_pyproject_mentioning_sls_lint_elsewhere_is_not_a_config(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.sls-lint]\n")
    write(tmp_path / "svc" / "pyproject.toml", "[project]\nname = 'svc'\ndependencies = ['sls-lint']\n")
    assert find_config_file(str(tmp_path / "svc")) == str(tmp_path / "pyproject.toml")


def test_sls_lint_toml_wins_over_pyproject_in_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.sls-lint]\nselect = ['SLS1']\n")
    write(tmp_path / "sls-lint.toml", "select = ['SLS3']\n")
    assert find_config_file(str(tmp_path)) == str(tmp_path / "sls-lint.toml")
    assert load(tmp_path).select == ("SLS3",)


def test_hidden_sls_lint_toml_is_found(tmp_path):
    write(tmp_path / ".sls-lint.toml", "select = ['SLS4']\n")
    assert load(tmp_path).select == ("SLS4",)


def test_start_may_be_a_file(tmp_path):
    write(tmp_path / "sls-lint.toml", "")
    handler = write(tmp_path / "app" / "handler.py", "")
    assert find_config_file(str(handler)) == str(tmp_path / "sls-lint.toml")


def test_no_config_gives_defaults_rooted_at_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load(tmp_path)
    assert cfg.path is None and cfg.root == os.getcwd()
    assert cfg.select == ("SLS",) and cfg.ignore == () and cfg.extend_select == ()
    assert cfg.exclude == DEFAULT_EXCLUDE and "node_modules" in cfg.exclude and ".aws-sam" in cfg.exclude
    assert cfg.include_vendored is False and cfg.respect_gitignore is True
    assert cfg.fail_on == "info" and cfg.jobs is None and cfg.cache_dir is None
    assert cfg.option("default-timeout") == 10 and cfg.option("allowed-clients") == ("requests",)
    assert cfg.is_enabled("SLS201")


def test_explicit_path_is_used_and_missing_one_is_an_error(tmp_path):
    other = write(tmp_path / "elsewhere" / "custom.toml", "select = ['SLS7']\n")
    cfg = load_config(str(other), start=str(tmp_path), rule_options=OPTIONS)
    assert cfg.select == ("SLS7",) and cfg.root == str(other.parent)
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"), start=str(tmp_path), rule_options=OPTIONS)


# -- extend -----------------------------------------------------------------------------------


def test_extend_chain_inherits_and_overrides(tmp_path):
    write(tmp_path / "org" / "base.toml", "select = ['SLS']\nignore = ['SLS5']\ndefault-timeout = 5\nmax-retries = 7\njobs = 2\n")
    write(tmp_path / "team" / "sls-lint.toml", "extend = '../org/base.toml'\ndefault-timeout = 8\n")
    write(tmp_path / "team" / "svc" / "pyproject.toml",
          "[tool.sls-lint]\nextend = '../sls-lint.toml'\nmax-retries = 1\nextend-exclude = ['gen']\n")
    cfg = load_config(None, start=str(tmp_path / "team" / "svc"), rule_options=OPTIONS)
    assert cfg.root == str(tmp_path / "team" / "svc")
    assert cfg.sources == (
        str(tmp_path / "org" / "base.toml"),
        str(tmp_path / "team" / "sls-lint.toml"),
        str(tmp_path / "team" / "svc" / "pyproject.toml"),
    )
    assert cfg.option("default-timeout") == 8  # middle file
    assert cfg.option("max-retries") == 1  # nearest file
    assert cfg.jobs == 2  # base
    assert cfg.ignore == ("SLS5",) and not cfg.is_enabled("SLS501")
    assert cfg.extend_exclude == ("gen",)


def test_extend_a_shipped_fixture(tmp_path):
    shutil.copy(FIXTURES / "base.toml", tmp_path / "base.toml")
    write(tmp_path / "svc" / "sls-lint.toml", "extend = '../base.toml'\nextend-exclude = ['more']\n")
    cfg = load_config(None, start=str(tmp_path / "svc"), rule_options=OPTIONS)
    assert cfg.extend_exclude == ("generated", "more")
    assert cfg.option("default-timeout") == 5
    assert cfg.ignored_for("tests/test_app.py") == frozenset({"SLS201"})


def test_extend_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.toml", "extend = 'b.toml'\n")
    write(tmp_path / "b.toml", "extend = 'c.toml'\n")
    write(tmp_path / "c.toml", "extend = 'a.toml'\n")
    write(tmp_path / "sls-lint.toml", "extend = 'a.toml'\n")
    err = error(tmp_path, None)
    msg = str(err)
    assert "cycle" in msg and "a.toml -> " in msg and "c.toml" in msg
    assert err.key == "extend"


def test_extend_self_is_a_cycle(tmp_path):
    err = error(tmp_path, "extend = 'sls-lint.toml'\n", name="sls-lint.toml")
    assert "cycle" in str(err)


def test_missing_extend_target_is_an_error_with_suggestion(tmp_path):
    write(tmp_path / "shared.toml", "")
    err = error(tmp_path, "[tool.sls-lint]\nextend = 'shard.toml'\n")
    msg = str(err)
    assert str(tmp_path / "pyproject.toml") + ":2" in msg
    assert "`tool.sls-lint.extend`" in msg and "does not exist" in msg
    assert "did you mean `shared.toml`?" in msg


def test_extend_pyproject_uses_its_table(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.sls-lint]\nselect = ['SLS3']\n")
    write(tmp_path / "svc" / "sls-lint.toml", "extend = '../pyproject.toml'\n")
    cfg = load_config(None, start=str(tmp_path / "svc"), rule_options=OPTIONS)
    assert cfg.select == ("SLS3",)


# -- validation errors ------------------------------------------------------------------------


def test_unknown_key_with_suggestion(tmp_path):
    err = error(tmp_path, "[project]\nname = 'x'\n\n[tool.sls-lint]\ndefault-timout = 10\n")
    msg = str(err)
    assert msg.startswith(str(tmp_path / "pyproject.toml") + ":5:")
    assert "unknown key `tool.sls-lint.default-timout`" in msg
    assert "did you mean `default-timeout`?" in msg
    assert err.key == "tool.sls-lint.default-timout" and err.line == 5
    assert err.suggestion == "default-timeout"
    assert "Traceback" not in msg


def test_unknown_key_snake_case_suggests_kebab(tmp_path):
    err = error(tmp_path, "extend_select = ['SLS1']\n", name="sls-lint.toml")
    assert "unknown key `extend_select`" in str(err)
    assert "did you mean `extend-select`?" in str(err)


def test_unknown_key_without_close_match(tmp_path):
    err = error(tmp_path, "[tool.sls-lint]\nzzzz = 1\n")
    assert "unknown key `tool.sls-lint.zzzz`" in str(err) and "did you mean" not in str(err)


def test_tool_header_in_sls_lint_toml_is_explained(tmp_path):
    err = error(tmp_path, "[tool.sls-lint]\nselect = ['SLS']\n", name="sls-lint.toml")
    assert "top-level keys" in str(err)


def test_wrong_type_message(tmp_path):
    err = error(tmp_path, "[tool.sls-lint]\nselect = ['SLS']\ndefault-timeout = '10'\n")
    msg = str(err)
    assert str(tmp_path / "pyproject.toml") + ":3" in msg
    assert "`tool.sls-lint.default-timeout` must be a number, not a string" in msg
    assert "did you mean `10`" in msg
    assert err.key == "tool.sls-lint.default-timeout"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("select = 'SLS2'", "`tool.sls-lint.select` must be an array, not a string"),
        ("include-vendored = 'yes'", "`tool.sls-lint.include-vendored` must be a boolean"),
        ("jobs = 0", "`tool.sls-lint.jobs` must be at least 1, not 0"),
        ("jobs = 2.5", "`tool.sls-lint.jobs` must be an integer, not a float"),
        ("fail-on = 'warn'", "must be one of `error`, `warning`, `info`, not \"warn\"; did you mean `warning`?"),
        ("mode = 'lenint'", "did you mean `lenient`?"),
        ("allowed-clients = ['requests', 3]", "`tool.sls-lint.allowed-clients[1]` must be a string, not an integer"),
        ("check-env = 1", "`tool.sls-lint.check-env` must be a boolean"),
        ("per-file-ignores = ['x']", "`tool.sls-lint.per-file-ignores` must be a table"),
    ],
)
def test_wrong_values(tmp_path, line, expected):
    assert expected in str(error(tmp_path, f"[tool.sls-lint]\n{line}\n"))


def test_bad_rule_code(tmp_path):
    err = error(tmp_path, "[tool.sls-lint]\nselect = ['SLS2', 'sls201']\n")
    assert "`tool.sls-lint.select[1]`: `sls201` is not a rule code or prefix" in str(err)
    assert "did you mean `SLS201`?" in str(err)
    err = error(tmp_path, "[tool.sls-lint]\nignore = ['SLS2010']\n")
    assert "`SLS2010` is not a rule code or prefix" in str(err)
    err = error(tmp_path, '[tool.sls-lint.per-file-ignores]\n"tests/*" = ["E501"]\n')
    assert '`tool.sls-lint.per-file-ignores."tests/*"[0]`: `E501`' in str(err)
    assert err.line == 1


def test_bad_toml_reports_line(tmp_path):
    err = error(tmp_path, "[tool.sls-lint]\nselect = ['SLS2'\nignore = []\n")
    assert err.line is not None and err.line >= 2
    assert f"{tmp_path / 'pyproject.toml'}:{err.line}: invalid TOML" in str(err)


def test_bad_toml_in_sls_lint_toml(tmp_path):
    err = error(tmp_path, "select = = 1\n", name="sls-lint.toml")
    assert err.line == 1 and "invalid TOML" in str(err)


def test_broken_pyproject_mentioning_sls_lint_is_reported_not_skipped(tmp_path):
    err = error(tmp_path, "[tool.sls-lint\nselect = []\n")
    assert "invalid TOML" in str(err)


def test_tool_sls_lint_not_a_table(tmp_path):
    err = error(tmp_path, "[tool]\nsls-lint = 3\n")
    assert "`tool.sls-lint` must be a table" in str(err)


# -- rule options -----------------------------------------------------------------------------


def test_rule_option_override_reaches_config_option(tmp_path):
    cfg = load(tmp_path, "[tool.sls-lint]\ndefault-timeout = 2.5\nallowed-clients = ['httpx', 'requests']\nmode = 'lenient'\n")
    assert cfg.option("default-timeout") == 2.5
    assert cfg.option("default_timeout") == 2.5  # snake_case accepted
    assert cfg.option("allowed-clients") == ("httpx", "requests")
    assert cfg.option("mode") == "lenient"
    assert cfg.option("max-retries") == 3  # default
    with pytest.raises(KeyError):
        cfg.option("no-such-option")


def test_shared_rule_option_declared_twice(tmp_path):
    opts = OPTIONS + [RuleOption("default-timeout", "number", 99, "declared again by another rule")]
    write(tmp_path / "sls-lint.toml", "default-timeout = 4\n")
    cfg = load_config(None, start=str(tmp_path), rule_options=opts)
    assert cfg.option("default-timeout") == 4


def test_option_key_unknown_without_rule(tmp_path):
    write(tmp_path / "sls-lint.toml", "default-timeout = 4\n")
    with pytest.raises(ConfigError, match="unknown key `default-timeout`"):
        load_config(None, start=str(tmp_path), rule_options=[])


# -- selection --------------------------------------------------------------------------------


def test_select_prefix_and_ignore_code(tmp_path):
    cfg = load(tmp_path, "[tool.sls-lint]\nselect = ['SLS2']\nignore = ['SLS201']\n")
    assert cfg.is_enabled("SLS202")
    assert cfg.is_enabled("SLS299")
    assert not cfg.is_enabled("SLS201")
    assert not cfg.is_enabled("SLS101")
    assert not cfg.is_enabled("SLS301")


def test_more_specific_select_beats_ignore_prefix(tmp_path):
    cfg = load(tmp_path, "[tool.sls-lint]\nignore = ['SLS2']\nextend-select = ['SLS201']\n")
    assert cfg.is_enabled("SLS201") and not cfg.is_enabled("SLS202") and cfg.is_enabled("SLS101")


def test_ignore_wins_at_equal_specificity(tmp_path):
    cfg = load(tmp_path, "[tool.sls-lint]\nselect = ['SLS201']\nignore = ['SLS201']\n")
    assert not cfg.is_enabled("SLS201")


def test_all_selector(tmp_path):
    cfg = load(tmp_path, "[tool.sls-lint]\nselect = ['ALL']\nignore = ['SLS9']\n")
    assert cfg.is_enabled("SLS101") and not cfg.is_enabled("SLS901")
    cfg = load(tmp_path, "[tool.sls-lint]\nignore = ['ALL']\nextend-select = ['SLS3']\n")
    assert cfg.is_enabled("SLS301") and not cfg.is_enabled("SLS201")


def test_selection_layers_follow_extend_chain(tmp_path):
    # base ignores one code; the child re-enables its whole family
    write(tmp_path / "base.toml", "select = ['SLS']\nignore = ['SLS201']\n")
    cfg = load(tmp_path, "extend = 'base.toml'\nextend-select = ['SLS2']\n", name="sls-lint.toml")
    assert cfg.is_enabled("SLS201")
    # base selects one code; the child ignores its family
    write(tmp_path / "base.toml", "select = ['SLS201']\n")
    cfg = load(tmp_path, "extend = 'base.toml'\nignore = ['SLS2']\n", name="sls-lint.toml")
    assert not cfg.is_enabled("SLS201")
    # a child's select starts afresh
    write(tmp_path / "base.toml", "select = ['SLS']\nignore = ['SLS201']\n")
    cfg = load(tmp_path, "extend = 'base.toml'\nselect = ['SLS2']\n", name="sls-lint.toml")
    assert cfg.is_enabled("SLS201") and not cfg.is_enabled("SLS101")


def test_cli_overrides(tmp_path):
    text = ("[tool.sls-lint]\nselect = ['SLS2']\nignore = ['SLS201']\ndefault-timeout = 3\n"
            "exclude = ['a']\nextend-exclude = ['b']\n")
    cfg = load(tmp_path, text, overrides={"ignore": ["SLS202"], "default_timeout": 7,
                                          "exclude": ("x", "y"), "extend_exclude": ["c"],
                                          "include_vendored": True, "select": None})
    assert not cfg.is_enabled("SLS201") and not cfg.is_enabled("SLS202")  # --ignore adds
    assert cfg.is_enabled("SLS203")
    assert cfg.option("default-timeout") == 7
    assert cfg.exclude == ("x", "y")  # replaced
    assert cfg.extend_exclude == ("b", "c")  # appended
    assert cfg.include_vendored is True
    cfg = load(tmp_path, text, overrides={"select": ["SLS1"]})
    assert cfg.select == ("SLS1",) and cfg.is_enabled("SLS101") and not cfg.is_enabled("SLS202")
    cfg = load(tmp_path, text, overrides={"extend-select": ["SLS201"]})
    assert cfg.is_enabled("SLS201")


def test_cli_override_errors_name_the_option(tmp_path):
    err = error(tmp_path, "[tool.sls-lint]\n", overrides={"select": ["BAD1"]})
    assert err.path == "command line" and "`--select[0]`" in str(err)
    err = error(tmp_path, "[tool.sls-lint]\n", overrides={"selct": ["SLS1"]})
    assert "did you mean `select`?" in str(err)


# -- per-file ignores, test paths, misc ------------------------------------------------------


def test_per_file_ignores_globs(tmp_path):
    cfg = load(tmp_path, """
[tool.sls-lint.per-file-ignores]
"tests/**" = ["SLS201"]
"conftest.py" = ["SLS3"]
"/scripts/*.py" = ["SLS1", "SLS2"]
"legacy/" = ["ALL"]
"**/migrations/*.py" = ["SLS401"]
""")
    assert cfg.ignored_for("tests/unit/test_x.py") == {"SLS201"}
    assert cfg.ignored_for("tests/conftest.py") == {"SLS201", "SLS3"}
    assert cfg.ignored_for("svc/conftest.py") == {"SLS3"}
    assert cfg.ignored_for("scripts/deploy.py") == {"SLS1", "SLS2"}
    assert cfg.ignored_for("svc/scripts/deploy.py") == frozenset()  # anchored
    assert cfg.ignored_for("legacy/a/b.py") == {"ALL"}
    assert cfg.ignored_for("./app/migrations/0001.py") == {"SLS401"}
    assert cfg.ignored_for("app/handler.py") == frozenset()
    assert cfg.is_ignored_in("SLS105", "scripts/x.py") and not cfg.is_ignored_in("SLS305", "scripts/x.py")
    assert cfg.is_ignored_in("SLS999", "legacy/x.py")


def test_test_paths(tmp_path):
    cfg = load(tmp_path)
    assert cfg.is_test_path("tests/test_handler.py")
    assert cfg.is_test_path("svc/tests/helpers.py")
    assert cfg.is_test_path("svc/test_app.py") and cfg.is_test_path("app_test.py")
    assert cfg.is_test_path("conftest.py")
    assert not cfg.is_test_path("svc/handler.py") and not cfg.is_test_path("testing/app.py")
    cfg = load(tmp_path, "[tool.sls-lint]\ntest-paths = ['checks/']\n")
    assert cfg.is_test_path("checks/a.py") and not cfg.is_test_path("tests/a.py")


def test_misc_keys_resolved(tmp_path):
    cfg = load(tmp_path, "[tool.sls-lint]\ncache-dir = '.cache/sls'\njobs = 4\nfail-on = 'warning'\n"
                         "respect-gitignore = false\ninclude-vendored = true\n")
    assert cfg.cache_dir == str(tmp_path / ".cache" / "sls")
    assert cfg.jobs == 4 and cfg.fail_on == "warning"
    assert cfg.respect_gitignore is False and cfg.include_vendored is True


def test_config_is_hashable_picklable_and_has_stable_digest(tmp_path):
    a = load(tmp_path, "[tool.sls-lint]\nallowed-clients = ['x']\n")
    b = load(tmp_path)
    assert hash(a) == hash(b) and a == b
    c = pickle.loads(pickle.dumps(a))
    assert c == a and c.is_enabled("SLS1") and c.option("allowed-clients") == ("x",)
    assert a.digest() == c.digest()
    d = load(tmp_path, "[tool.sls-lint]\nallowed-clients = ['y']\n")
    assert d.digest() != a.digest()
    with pytest.raises(TypeError):
        a.options["allowed-clients"] = 1  # type: ignore[index]
    json.dumps(dict(a.options))


def test_matches_path_remembers_folders_without_changing_answers():
    """_PatternMatcher.matches_path remembers per folder whether it or a folder above it is
    matched: for any patterns (re-inclusions too) and paths (empty parts, a leading slash)
    asked in any order on one matcher, the answer is git's: some folder above matches, else
    the file itself."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sls_lint.config import _PatternMatcher

    def reference(m, rel):
        parts = rel.split("/")
        return any(m.match("/".join(parts[:i]), True) for i in range(1, len(parts))) or bool(m.match(rel, False))

    names = st.sampled_from(["a", "b", "tests", "src", "x.py", "test_x.py", ""])
    paths = st.lists(names, min_size=1, max_size=5).map("/".join)
    patterns = st.lists(st.sampled_from(["tests/", "**/tests/**", "test_*.py", "!tests/keep/", "/src", "a/b", "*.py", "!x.py", "b"]), max_size=4)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(patterns, st.lists(paths, min_size=1, max_size=12))
    def check(lines, rels):
        m = _PatternMatcher(lines)
        for rel in rels + rels[::-1]:
            assert m.matches_path(rel) == reference(m, rel), (lines, rel)

    check()
