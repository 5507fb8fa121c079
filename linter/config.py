"""Configuration: find, read, validate and resolve sls-lint settings.

Where settings live
    ``[tool.sls-lint]`` in ``pyproject.toml``, or the top-level keys of ``sls-lint.toml`` /
    ``.sls-lint.toml``. :func:`find_config_file` walks up from a start folder and takes the
    nearest folder holding one of them; inside one folder ``sls-lint.toml`` wins over
    ``.sls-lint.toml``, which wins over ``pyproject.toml``. A ``pyproject.toml`` without a
    ``[tool.sls-lint]`` table is not a config file.

Validation
    Every file is validated with the JSON Schema (draft 2020-12) shipped at
    ``sls_lint/data/config-schema.json``; a copy of it gets one extra property per
    :class:`RuleOption` the rules declare. Any problem (bad TOML, unknown key, wrong type, bad
    rule code, missing or cyclic ``extend``) raises :class:`ConfigError` whose message names
    the file (and line when it can be found), the dotted key, what is wrong and, where one
    exists, a ``did you mean `...`?`` suggestion. Callers print ``str(error)`` and exit 2.

Resolution (base first, then each file that extends it, then the command line)
    * ``select`` / ``extend-select`` / ``ignore`` are layered like Ruff's rule selection: a
      layer with ``select`` starts afresh; otherwise its ``extend-select`` / ``ignore`` entries
      override whatever earlier layers said about the codes they cover. Within the result the
      most specific selector wins (``ALL`` < ``SLS`` < ``SLS2`` < ``SLS201``) and at equal
      specificity ``ignore`` wins. The command line is the last layer, so ``--ignore`` adds to
      the file's ``ignore`` and ``--select`` starts afresh, as in Ruff.
    * ``extend-exclude`` accumulates along the chain (command-line values are appended);
      every other key, and every rule option, is replaced by the later file / the command line.
    * ``exclude``, ``extend-exclude``, ``per-file-ignores`` and ``test-paths`` are gitignore-style
      patterns relative to :attr:`Config.root` (the folder of the nearest config file, whichever
      file of an ``extend`` chain they came from). ``cache-dir`` is resolved to an absolute
      path relative to the file that sets it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Mapping, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "ConfigError",
    "RuleOption",
    "Config",
    "DEFAULT_EXCLUDE",
    "DEFAULT_SELECT",
    "DEFAULT_TEST_PATHS",
    "CONFIG_FILE_NAMES",
    "find_config_file",
    "load_config",
    "load_schema",
]

DEFAULT_SELECT: tuple[str, ...] = ("SLS",)
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", "build", "dist",
    ".serverless", ".aws-sam", "cdk.out", ".vercel", ".wrangler", ".mypy_cache", ".ruff_cache",
    ".pytest_cache",
)
# gitignore semantics: "**/tests/**" also covers a top-level tests/ folder
DEFAULT_TEST_PATHS: tuple[str, ...] = ("**/tests/**", "test_*.py", "*_test.py", "conftest.py")
# in order of precedence inside one folder
CONFIG_FILE_NAMES: tuple[str, ...] = ("sls-lint.toml", ".sls-lint.toml", "pyproject.toml")

_CODE_RE = re.compile(r"^(SLS[0-9]{0,3}|ALL)$")
_FAIL_ON = ("error", "warning", "info")
_SELECTION_KEYS = ("select", "extend-select", "ignore")


# ---------------------------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------------------------


class ConfigError(Exception):
    """A configuration problem; ``str(error)`` is the complete message for the user.

    Attributes: ``path`` (file, or ``"command line"``), ``key`` (dotted key or None), ``line``
    (1-based, when known) and ``suggestion`` (the did-you-mean value, or None).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: str | None = None,
        line: int | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.key = key
        self.line = line
        self.suggestion = suggestion


@dataclass(frozen=True)
class RuleOption:
    """An option a rule declares; it becomes a top-level config key."""

    name: str  # kebab-case, e.g. "default-timeout"
    type: str  # JSON-schema type: number | integer | string | boolean | array | object
    default: Any
    description: str
    items: str | None = None  # element type for arrays
    enum: tuple | None = None


class FrozenMap(Mapping):
    """A read-only, hashable, picklable mapping (used for :attr:`Config.options`)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(_hashable(self._data))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self):
        return (FrozenMap, (self._data,))


@dataclass(frozen=True)
class Config:
    """Resolved settings of one run (plain data; picklable; hashable)."""

    path: str | None  # the config file used (absolute), None for defaults
    root: str  # folder of that file, or the cwd
    select: tuple[str, ...] = DEFAULT_SELECT
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (pattern, codes)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    include_vendored: bool = False
    respect_gitignore: bool = True
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    options: Mapping[str, Any] = field(default_factory=FrozenMap)
    cache_dir: str | None = None  # absolute; None: the engine's default
    jobs: int | None = None  # None: one per CPU
    fail_on: str = "info"  # lowest severity that makes the run fail
    sources: tuple[str, ...] = ()  # every file read, base first (the extend chain)

    # -- rule selection ---------------------------------------------------------------------

    @cached_property
    def _selection(self) -> dict[str, bool]:
        table: dict[str, bool] = {}
        for sel in self.select + self.extend_select:
            table[_selector_key(sel)] = True
        for sel in self.ignore:  # ignore wins at equal specificity
            table[_selector_key(sel)] = False
        return table

    def is_enabled(self, code: str) -> bool:
        """Whether rule ``code`` runs: the longest matching selector wins (``ALL`` is shortest)."""
        table = self._selection
        for n in range(len(code), -1, -1):
            value = table.get(code[:n])
            if value is not None:
                return value
        return False

    # -- per-file ignores and test paths ----------------------------------------------------

    @cached_property
    def _per_file_matchers(self) -> tuple[tuple["_PatternMatcher", frozenset[str]], ...]:
        return tuple(
            (_PatternMatcher([pattern]), frozenset(codes)) for pattern, codes in self.per_file_ignores
        )

    @cached_property
    def _test_matcher(self) -> "_PatternMatcher":
        return _PatternMatcher(self.test_paths)

    def ignored_for(self, path: str) -> frozenset[str]:
        """Codes/prefixes that ``per-file-ignores`` ignore in ``path`` (posix, relative to root).

        Patterns have gitignore semantics: without a ``/`` they match a file or folder name at
        any depth, with one they are anchored at the root; a matching folder covers everything
        below it. ``"ALL"`` in the result means every code.
        """
        memo = self._ignored_memo  # asked for every finding and every secret literal of a file
        found = memo.get(path)
        if found is None:
            rel = _norm_rel(path)
            out: set[str] = set()
            for matcher, codes in self._per_file_matchers:
                if matcher.matches_path(rel):
                    out |= codes
            found = memo[path] = frozenset(out)
        return found

    @cached_property
    def _ignored_memo(self) -> dict[str, frozenset[str]]:
        return {}

    def is_ignored_in(self, code: str, path: str) -> bool:
        """Whether ``per-file-ignores`` silence ``code`` in ``path``."""
        return any(sel == "ALL" or code.startswith(sel) for sel in self.ignored_for(path))

    def is_test_path(self, path: str) -> bool:
        """Whether ``path`` (posix, relative to root) matches ``test-paths`` (remembered per path:
        rules ask for every module, several times)."""
        memo = self._test_path_memo
        found = memo.get(path)
        if found is None:
            found = memo[path] = self._test_matcher.matches_path(_norm_rel(path))
        return found

    @cached_property
    def _test_path_memo(self) -> dict[str, bool]:
        return {}

    # -- options ----------------------------------------------------------------------------

    def option(self, name: str) -> Any:
        """The resolved value of a rule option (kebab-case; snake_case is accepted)."""
        try:
            return self.options[name]
        except KeyError:
            alt = name.replace("_", "-")
            if alt in self.options:
                return self.options[alt]
            raise KeyError(f"unknown rule option {name!r}") from None

    def digest(self) -> str:
        """A stable hash of every setting that can change results (for cache keys)."""
        payload = {
            "select": self.select,
            "extend_select": self.extend_select,
            "ignore": self.ignore,
            "per_file_ignores": self.per_file_ignores,
            "include_vendored": self.include_vendored,
            "test_paths": self.test_paths,
            "options": {k: self.options[k] for k in sorted(self.options)},
        }
        text = json.dumps(payload, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Finding the file
# ---------------------------------------------------------------------------------------------


def find_config_file(start: str) -> str | None:
    """The nearest config file at or above ``start`` (a folder or a file), absolute, or None."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        for name in CONFIG_FILE_NAMES:
            candidate = os.path.join(here, name)
            if not os.path.isfile(candidate):
                continue
            if name != "pyproject.toml" or _pyproject_has_table(candidate):
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _pyproject_has_table(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return False
    if b"sls-lint" not in raw:
        return False
    try:
        data = tomllib.loads(raw.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError:
        # it mentions sls-lint but is broken: report it rather than silently skipping it
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and "sls-lint" in tool


# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------

_SCHEMA_CACHE: dict[str, Any] | None = None


def load_schema() -> dict[str, Any]:
    """The shipped schema (fixed keys only); callers get a fresh deep copy."""
    global _SCHEMA_CACHE
    if _SCHEMA_CACHE is None:
        from importlib import resources

        text = resources.files("sls_lint").joinpath("data/config-schema.json").read_text("utf-8")
        _SCHEMA_CACHE = json.loads(text)
    return json.loads(json.dumps(_SCHEMA_CACHE))


def _schema_with_options(rule_options: Sequence[RuleOption]) -> dict[str, Any]:
    schema = load_schema()
    props = schema["properties"]
    for opt in rule_options:
        if opt.name in props:  # the same option declared by several rules: first one wins
            continue
        prop: dict[str, Any] = {"type": opt.type, "description": opt.description}
        if opt.type == "array" and opt.items:
            prop["items"] = {"type": opt.items}
        if opt.enum is not None:
            prop["enum"] = list(opt.enum)
        props[opt.name] = prop
    return schema


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@dataclass
class _Source:
    path: str  # absolute
    data: dict[str, Any]  # the sls-lint settings, kebab keys
    prefix: str  # "tool.sls-lint." for pyproject.toml, "" otherwise
    text: str  # for line look-ups


def load_config(
    path: str | None,
    *,
    start: str,
    rule_options: Sequence[RuleOption],
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Resolve the settings of one run.

    ``path``: the file given with ``--config`` (relative to the cwd), or None to use
    :func:`find_config_file` from ``start``. ``overrides``: values from the command line,
    kebab- or snake_case keys (``select``, ``ignore``, ``extend-select``, ``exclude``,
    ``extend-exclude``, ``include-vendored``, ...; None values are skipped).
    """
    if path is None:
        path = find_config_file(start)
    elif not os.path.isfile(os.path.abspath(os.path.expanduser(path))):
        raise ConfigError(f"{os.path.abspath(path)}: configuration file not found", path=path)
    schema = _schema_with_options(rule_options)
    validator = _make_validator(schema)
    known = tuple(schema["properties"])
    chain: list[_Source] = []
    if path is None:
        root = os.getcwd()
    else:
        path = os.path.abspath(os.path.expanduser(path))
        root = os.path.dirname(path)
        chain = _read_chain(path, validator, known)
    cli = _normalize_overrides(overrides, validator, known)
    return _resolve(path, root, chain, cli, rule_options)


class _LazyValidator:
    """Builds the jsonschema validator on first use: a run with no config file and no
    command-line overrides never imports jsonschema (~50-70 ms of start-up)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._validator = None

    def __getattr__(self, name: str) -> Any:
        if self._validator is None:
            import jsonschema

            self._validator = jsonschema.Draft202012Validator(self._schema)
        return getattr(self._validator, name)


def _make_validator(schema: dict[str, Any]):
    return _LazyValidator(schema)


def _read_chain(path: str, validator, known: tuple[str, ...]) -> list[_Source]:
    """The extend chain, base first."""
    chain: list[_Source] = []
    seen: list[str] = []
    current: str | None = path
    referrer: tuple[_Source, str] | None = None
    while current is not None:
        real = os.path.realpath(current)
        if real in seen:
            cycle = " -> ".join([*seen[seen.index(real):], real])
            src, _ = referrer  # type: ignore[misc]
            raise ConfigError(
                f"{_where(src, 'extend')}: `{src.prefix}extend` makes a cycle: {cycle}",
                path=src.path,
                key=f"{src.prefix}extend",
                line=_find_line(src, "extend"),
            )
        seen.append(real)
        source = _read_file(current)
        _validate(source.data, validator, known, source)
        chain.append(source)
        target = source.data.get("extend")
        if target is None:
            break
        resolved = os.path.normpath(
            os.path.join(os.path.dirname(source.path), os.path.expanduser(target))
        )
        if not os.path.isfile(resolved):
            folder = os.path.dirname(resolved)
            try:
                names = [n for n in os.listdir(folder) if n.endswith(".toml")]
            except OSError:
                names = []
            import difflib  # only to explain a problem (start-up)

            near = difflib.get_close_matches(os.path.basename(resolved), names, n=1)
            hint = ""
            if near:
                rel = os.path.relpath(os.path.join(folder, near[0]), os.path.dirname(source.path))
                hint = f"; did you mean `{rel.replace(os.sep, '/')}`?"
            raise ConfigError(
                f"{_where(source, 'extend')}: `{source.prefix}extend` names `{target}`, "
                f"which does not exist (looked for {resolved}){hint}",
                path=source.path,
                key=f"{source.prefix}extend",
                line=_find_line(source, "extend"),
                suggestion=near[0] if near else None,
            )
        referrer = (source, resolved)
        current = resolved
    chain.reverse()
    return chain


def _read_file(path: str) -> _Source:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}", path=path) from None
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"line (\d+)", msg)
        line = int(m.group(1)) if m else None
        if line is None and "end of document" in msg:
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        loc = f"{path}:{line}" if line else path
        raise ConfigError(f"{loc}: invalid TOML: {msg}", path=path, line=line) from None
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    if is_pyproject:
        tool = doc.get("tool", {})
        data = tool.get("sls-lint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(
                f"{path}: `tool.sls-lint` must be a table, not {_type_name(data)}",
                path=path,
                key="tool.sls-lint",
            )
        return _Source(path, data, "tool.sls-lint.", text)
    return _Source(path, doc, "", text)


def _validate(data: Mapping[str, Any], validator, known: tuple[str, ...], source: _Source) -> None:
    # unknown keys first, in file order, with a suggestion
    for key in data:
        if key in known:
            continue
        suggestion = _suggest(key, known)
        dotted = f"{source.prefix}{_quote_key(key)}"
        if key == "tool" and not source.prefix and isinstance(data[key], dict) and "sls-lint" in data[key]:
            msg = (
                f"{_where(source, key)}: unknown key `tool`: in {os.path.basename(source.path)} the "
                f"settings are top-level keys, without a [tool.sls-lint] header"
            )
            raise ConfigError(msg, path=source.path, key=dotted, line=_find_line(source, key))
        msg = f"{_where(source, key)}: unknown key `{dotted}`"
        if suggestion:
            msg += f"; did you mean `{suggestion}`?"
        raise ConfigError(
            msg, path=source.path, key=dotted, line=_find_line(source, key), suggestion=suggestion
        )
    schema = getattr(validator, "_schema", None)
    if schema is not None and _surely_valid(data, schema, schema):
        return  # jsonschema (~70 ms to import) is needed only to explain a problem
    import jsonschema.exceptions

    errors = list(validator.iter_errors(dict(data)))
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors)
    raise _schema_error(err, source)


_ANNOTATIONS = frozenset(("description", "title", "$schema", "$id", "$defs", "default", "examples", "$comment"))
_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "array": (list,), "object": (dict,), "integer": (int,), "number": (int, float)}


def _surely_valid(value: Any, schema: Any, root: dict[str, Any]) -> bool:
    """True only when ``value`` is certainly valid against ``schema`` (draft 2020-12): a small
    evaluator of the keywords sls-lint's schema uses. Anything it does not know for sure (another
    keyword, a ``$ref`` outside ``#/$defs``, a float where an integer is wanted, a TOML date)
    answers False, and jsonschema decides. So it can only skip work, never accept a bad file."""
    if not isinstance(schema, dict):
        return False
    for key, want in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            if not isinstance(want, str) or not want.startswith("#/$defs/"):
                return False
            target = root.get("$defs", {}).get(want[len("#/$defs/"):])
            if target is None or not _surely_valid(value, target, root):
                return False
        elif key == "type":
            kinds = _JSON_TYPES.get(want) if isinstance(want, str) else None
            # exact types: bool is not a number, a float is not surely an integer
            if kinds is None or type(value) not in kinds:
                return False
        elif key == "pattern":
            if isinstance(value, str) and (not isinstance(want, str) or re.search(want, value) is None):
                return False
        elif key == "minLength":
            if isinstance(value, str) and not (type(want) is int and len(value) >= want):
                return False
        elif key == "minimum":
            if type(value) in (int, float) and not (type(want) in (int, float) and value >= want):
                return False
        elif key == "enum":
            if not isinstance(want, list) or not any(type(v) is type(value) and v == value for v in want):
                return False
        elif key == "items":
            if isinstance(value, list) and not all(_surely_valid(v, want, root) for v in value):
                return False
        elif key == "properties":
            if isinstance(value, dict):
                if not isinstance(want, dict):
                    return False
                for k, v in value.items():
                    if k in want and not _surely_valid(v, want[k], root):
                        return False
        elif key == "additionalProperties":
            if isinstance(value, dict):
                props = schema.get("properties", {})
                extra = [v for k, v in value.items() if k not in props]
                if want is False:
                    if extra:
                        return False
                elif want is not True and not all(_surely_valid(v, want, root) for v in extra):
                    return False
        else:
            return False
    return True


def _schema_error(err, source: _Source) -> ConfigError:
    parts = list(err.absolute_path)
    top = str(parts[0]) if parts else None
    dotted = source.prefix.rstrip(".") if not parts else source.prefix + _dotted(parts)
    where = _where(source, top) if top else source.path
    value = err.instance
    suggestion: str | None = None
    if err.validator == "type":
        expected = err.validator_value
        expected = expected if isinstance(expected, list) else [expected]
        what = " or ".join(_a(_JSON_TO_TOML.get(t, t)) for t in expected)
        msg = f"`{dotted}` must be {what}, not {_type_name(value)} ({_short(value)})"
        if "number" in expected or "integer" in expected:
            if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
                suggestion = value.strip()
                msg += f"; did you mean `{suggestion}` (without quotes)?"
        elif "array" in expected and isinstance(value, str):
            suggestion = f'["{value}"]'
            msg += f"; did you mean `{suggestion}`?"
    elif err.validator == "pattern" and err.validator_value == _CODE_RE.pattern:
        msg = (
            f"`{dotted}`: `{value}` is not a rule code or prefix "
            f"(expected `SLS` followed by up to three digits, e.g. `SLS201` or `SLS2`, or `ALL`)"
        )
        if isinstance(value, str):
            cand = value.strip().upper().replace("-", "").replace(" ", "")
            if _CODE_RE.match(cand):
                suggestion = cand
                msg += f"; did you mean `{cand}`?"
    elif err.validator == "enum":
        allowed = [str(v) for v in err.validator_value]
        msg = f"`{dotted}` must be one of {', '.join(f'`{a}`' for a in allowed)}, not {_short(value)}"
        import difflib

        near = difflib.get_close_matches(str(value), allowed, n=1)
        if near:
            suggestion = near[0]
            msg += f"; did you mean `{suggestion}`?"
    elif err.validator == "minimum":
        msg = f"`{dotted}` must be at least {err.validator_value}, not {_short(value)}"
    elif err.validator == "maximum":
        msg = f"`{dotted}` must be at most {err.validator_value}, not {_short(value)}"
    elif err.validator == "minLength":
        msg = f"`{dotted}` must not be empty"
    else:
        msg = f"`{dotted}`: {err.message}"
    return ConfigError(
        f"{where}: {msg}",
        path=source.path,
        key=dotted,
        line=_find_line(source, top) if top else None,
        suggestion=suggestion,
    )


def _normalize_overrides(
    overrides: Mapping[str, Any] | None, validator, known: tuple[str, ...]
) -> dict[str, Any]:
    if not overrides:
        return {}
    data: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        data[key.replace("_", "-")] = _jsonable(value)
    data.pop("extend", None)
    source = _Source("command line", data, "--", "")
    _validate(data, validator, known, source)
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------------------------

_Selection = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _resolve(
    path: str | None,
    root: str,
    chain: list[_Source],
    cli: dict[str, Any],
    rule_options: Sequence[RuleOption],
) -> Config:
    selection: _Selection = (DEFAULT_SELECT, (), ())
    extend_exclude: list[str] = []
    merged: dict[str, Any] = {}
    cache_dir: str | None = None
    layers = [(s.data, os.path.dirname(s.path)) for s in chain] + [(cli, os.getcwd())]
    for data, folder in layers:
        selection = _apply_selection_layer(
            selection,
            data.get("select"),
            tuple(data.get("extend-select", ())),
            tuple(data.get("ignore", ())),
        )
        extend_exclude.extend(data.get("extend-exclude", ()))
        for key, value in data.items():
            if key in _SELECTION_KEYS or key in ("extend", "extend-exclude"):
                continue
            if key == "cache-dir":
                cache_dir = os.path.normpath(os.path.join(folder, os.path.expanduser(value)))
                continue
            merged[key] = value

    options: dict[str, Any] = {}
    for opt in rule_options:
        if opt.name not in options:
            options[opt.name] = _freeze_value(merged.get(opt.name, opt.default))

    pfi = merged.get("per-file-ignores", {})
    return Config(
        path=path,
        root=root,
        select=selection[0],
        extend_select=selection[1],
        ignore=selection[2],
        per_file_ignores=tuple((glob, tuple(_dedupe(codes))) for glob, codes in pfi.items()),
        exclude=tuple(merged.get("exclude", DEFAULT_EXCLUDE)),
        extend_exclude=tuple(_dedupe(extend_exclude)),
        include_vendored=bool(merged.get("include-vendored", False)),
        respect_gitignore=bool(merged.get("respect-gitignore", True)),
        test_paths=tuple(merged.get("test-paths", DEFAULT_TEST_PATHS)),
        options=FrozenMap(options),
        cache_dir=cache_dir,
        jobs=merged.get("jobs"),
        fail_on=merged.get("fail-on", "info"),
        sources=tuple(s.path for s in chain),
    )


def _apply_selection_layer(
    state: _Selection, select: Sequence[str] | None, extend: tuple[str, ...], ignore: tuple[str, ...]
) -> _Selection:
    """Fold one layer into the flat (select, extend-select, ignore) state.

    A later layer's selector overrides every earlier selector it covers (equal or more
    specific), so that the flat state answers like Ruff's layered selection.
    """
    if select is not None:
        return tuple(_dedupe(select)), tuple(_dedupe(extend)), tuple(_dedupe(ignore))
    new = extend + ignore
    if not new:
        return state

    def keep(sel: str) -> bool:
        key = _selector_key(sel)
        return not any(key.startswith(_selector_key(n)) for n in new)

    old_select, old_extend, old_ignore = state
    return (
        tuple(s for s in old_select if keep(s)),
        tuple(_dedupe([*(e for e in old_extend if keep(e)), *extend])),
        tuple(_dedupe([*(i for i in old_ignore if keep(i)), *ignore])),
    )


def _selector_key(sel: str) -> str:
    return "" if sel == "ALL" else sel


# ---------------------------------------------------------------------------------------------
# Gitignore-style pattern matching (shared with discovery)
# ---------------------------------------------------------------------------------------------


class _PatternMatcher:
    """Gitignore-semantics matcher over posix paths relative to a base folder.

    Patterns are compiled by ``pathspec`` (git's wildmatch rules) and sorted into three groups,
    so that a check costs a dict look-up and at most three regular-expression matches whatever
    the number of patterns: literal names that match at any depth (``node_modules``,
    ``build/``), name globs that match at any depth (``*.py[cod]``), and path patterns
    (``/out``, ``docs/_build/``). Each group is one alternation in reverse order, so its first
    alternative that matches is its *last* matching pattern; the highest index over the groups
    decides (git's "last matching pattern wins").
    """

    __slots__ = ("_literals", "_globs", "_dir_globs", "_paths", "_include", "empty", "_folders")

    _ANY_DEPTH = "^(?:.+/)?"
    _FILE_OR_DIR = "(?:(?P<ps_d>/)|$)"
    _DIR_ONLY = "(?P<ps_d>/)"

    def __init__(self, lines: Sequence[str]) -> None:
        literals: dict[str, list[tuple[int, bool]]] = {}
        globs: list[tuple[int, str]] = []
        dir_globs: list[tuple[int, str]] = []
        paths: list[tuple[int, str]] = []
        include: list[bool] = []
        for src, included in _compiled_patterns(lines):
            idx = len(include)
            include.append(included)
            core, dir_only = None, False
            if src.startswith(self._ANY_DEPTH):
                rest = src[len(self._ANY_DEPTH):]
                if rest.endswith(self._FILE_OR_DIR):
                    core = rest[: -len(self._FILE_OR_DIR)]
                elif rest.endswith(self._DIR_ONLY):
                    core, dir_only = rest[: -len(self._DIR_ONLY)], True
                if core is not None and ("/" in core.replace("[^/]", "") or core == ""):
                    core = None
            if core is None:
                if not src.startswith("^"):
                    # pathspec searches: `*`, `**`, `**/*` compile to `.`, `*/` to `/`. Matched
                    # whole here, so they get their search meaning (any name; any folder)
                    src = f"(?s:.*?)(?:{src})(?s:.*)"
                paths.append((idx, src))
                continue
            literal = re.sub(r"\\(.)", r"\1", core)
            if re.escape(literal) == core:
                literals.setdefault(literal, []).append((idx, dir_only))
            else:
                (dir_globs if dir_only else globs).append((idx, core))
        self._include = tuple(include)
        self._literals = {k: tuple(v) for k, v in literals.items()}
        self._globs = self._combine(globs)
        self._dir_globs = self._combine(dir_globs)
        self._paths = self._combine(paths)
        self.empty = not include
        self._folders: dict[str, bool] = {}  # folder -> it or a folder above it is matched

    @staticmethod
    def _combine(items: list[tuple[int, str]]):
        if not items:
            return None
        alts = [
            f"(?P<g{idx}>{re.sub(r'[(][?]P<[A-Za-z_][A-Za-z_0-9]*>', '(?:', body)})"
            for idx, body in reversed(items)
        ]
        return re.compile("|".join(alts))

    def match(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` pattern; None: no pattern matches.

        Only ``rel`` itself is tested (no ancestor): callers prune ignored folders.
        """
        if self.empty:
            return None
        best = -1
        name = rel.rpartition("/")[2]
        for idx, dir_only in self._literals.get(name, ()):
            if idx > best and (is_dir or not dir_only):
                best = idx
        for regex, subject in (
            (self._globs, name),
            (self._dir_globs if is_dir else None, name),
            (self._paths, rel + "/" if is_dir else rel),
        ):
            if regex is not None:
                m = regex.fullmatch(subject)
                if m is not None:
                    idx = int(m.lastgroup[1:])  # type: ignore[index]
                    if idx > best:
                        best = idx
        return None if best < 0 else self._include[best]

    def matches_path(self, rel: str) -> bool:
        """Whether ``rel`` (a file) or any folder above it is matched (gitignore semantics)."""
        if self.empty:
            return False
        cut = rel.rfind("/")
        if cut >= 0 and self._folder_matched(rel[:cut]):
            return True
        return bool(self.match(rel, False))

    def _folder_matched(self, folder: str) -> bool:
        """Whether ``folder`` or a folder above it is matched, remembered per folder (the files
        of a run share their folders: a file's question is then one look-up)."""
        memo = self._folders
        chain = []
        found = memo.get(folder)
        while found is None:
            chain.append(folder)
            cut = folder.rfind("/")
            if cut < 0:
                found = False
                break
            folder = folder[:cut]
            found = memo.get(folder)
        for f in reversed(chain):  # from the top down, as git looks
            found = found or bool(self.match(f, True))
            memo[f] = found
        return found


_SIMPLE_NAME = re.compile(r"[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*/?")


def _compiled_patterns(lines: Sequence[str]) -> list[tuple[str, bool]]:
    """(regex source, include) of each pattern line, as pathspec's GitIgnoreSpec compiles them.
    Lists made only of comments, blank lines, ``*`` and plain names (``node_modules``,
    ``.venv``, ``build/``; every default exclude) are compiled here: importing pathspec costs
    ~15 ms of start-up. Anything else goes to pathspec (tests/test_warm_path.py checks both
    give the same matcher)."""
    out: list[tuple[str, bool]] = []
    for line in lines:
        if line == "" or line.startswith("#"):
            continue
        if line == "*":
            out.append((".", True))
        elif _SIMPLE_NAME.fullmatch(line):
            name, slash = (line[:-1], True) if line.endswith("/") else (line, False)
            out.append((_PatternMatcher._ANY_DEPTH + re.escape(name) + (_PatternMatcher._DIR_ONLY if slash else _PatternMatcher._FILE_OR_DIR), True))
        else:
            break
    else:
        return out
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(list(lines))
    return [(p.regex.pattern, bool(p.include)) for p in spec.patterns if getattr(p, "regex", None) is not None and p.include is not None]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_JSON_TO_TOML = {
    "number": "number",
    "integer": "integer",
    "string": "string",
    "boolean": "boolean (true/false)",
    "array": "array",
    "object": "table",
}


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return _a(type(value).__name__)


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        try:
            text = json.dumps(value, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(key: str, known: Sequence[str]) -> str | None:
    alt = key.replace("_", "-").lower()
    if alt in known:
        return alt
    import difflib

    near = difflib.get_close_matches(alt, list(known), n=1, cutoff=0.6)
    return near[0] if near else None


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _quote_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _dotted(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _quote_key(str(part))
    return out


def _find_line(source: _Source, key: str | None) -> int | None:
    """Best-effort line of a top-level key in the source text (after the sls-lint header)."""
    if not key or not source.text:
        return None
    lines = source.text.splitlines()
    start = 0
    if source.prefix:
        header = re.compile(r"^\s*\[\s*tool\s*\.\s*[\"']?sls-lint[\"']?\s*[.\]]")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                break
        # a sub-table header such as [tool.sls-lint.per-file-ignores]
        sub = re.compile(r"^\s*\[\s*tool\s*\.\s*[\"']?sls-lint[\"']?\s*\.\s*[\"']?" + re.escape(key) + r"[\"']?\s*\]")
        for i, line in enumerate(lines[start:], start):
            if sub.match(line):
                return i + 1
    pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.]")
    for i, line in enumerate(lines[start:], start):
        if pat.match(line):
            return i + 1
    return None


def _where(source: _Source, key: str | None) -> str:
    line = _find_line(source, key)
    return f"{source.path}:{line}" if line else source.path


def _norm_rel(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _freeze_value(value: Any) -> Any:
    """Lists become tuples and tables become FrozenMaps, recursively."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze_value(v) for v in value)
    if isinstance(value, Mapping):
        return FrozenMap({k: _freeze_value(v) for k, v in value.items()})
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value
