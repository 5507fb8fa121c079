"""Plain-data types shared by every stage (discovery, project model, engine, fixers, reporters).

Everything here is a frozen dataclass or an enum so that stages can be cached, pickled across
processes and compared in tests. Positions are 1-based lines and 1-based *character* columns;
``end_column`` is exclusive (one past the last character), like the LSP's end position + 1.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class FixAvailability(str, enum.Enum):
    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NEVER = "never"


@dataclass(frozen=True, order=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> "Span":
        return cls(line, column, line, column + 1)


def freeze(params: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    """Turn a mapping into a hashable, ordered tuple of pairs (lists become tuples)."""

    def _f(v: Any) -> Any:
        cls = v.__class__
        if cls is str or cls is int or v is None:  # most values (an ABC check costs ~1 us)
            return v
        if isinstance(v, Mapping):
            return tuple((k, _f(x)) for k, x in sorted(v.items()))
        if isinstance(v, list):
            return tuple(_f(x) for x in v)
        return v

    return tuple((k, _f(v)) for k, v in sorted((params or {}).items()))


@dataclass(frozen=True)
class FixIntent:
    """What a fix should do, not how: fixers/ turns an intent into edits.

    ``kind`` names a fixer registered in ``sls_lint.fixers`` (e.g. ``add-keyword``,
    ``hoist-assignment``, ``remove-statement``, ``replace-node``, ``set-config-key``).
    ``target`` is the span of the node the fix is about, in the file of the diagnostic.
    ``params`` is a frozen mapping; read it with :meth:`param`.
    """

    kind: str
    title: str
    applicability: Applicability
    target: Span | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str, default: Any = None) -> Any:
        for k, v in self.params:
            if k == name:
                return v
        return default


@dataclass(frozen=True)
class TextEdit:
    """Replace the text between two positions (1-based line, 1-based char column, end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    new_text: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    path: str  # relative to the working directory, '/'-separated
    span: Span
    message: str
    function: str | None = None  # the handler (Function.name) the finding concerns
    fix: FixIntent | None = None
    # normalized source text of the flagged node, used for baseline fingerprints (secrets hashed)
    fingerprint_source: str = ""

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code)


# ---------------------------------------------------------------------------------------------
# Project model
# ---------------------------------------------------------------------------------------------

PLATFORMS = ("aws-lambda", "vercel", "cloudflare-workers", "gcp-functions", "azure-functions")
RUNTIME_CLASSES = ("edge", "serverless", "server")


@dataclass(frozen=True)
class Trigger:
    """How a function is invoked.

    kind: http | sqs | s3 | schedule | sns | dynamodb | kinesis | eventbridge | queue | other
    detail: finer source, e.g. "api-gateway-rest", "http-api", "function-url", "alb", "vercel",
        "cloudflare", or the queue/bucket reference as written.
    limit_s: the most the trigger can wait for a response (29 for API Gateway REST, 30 for HTTP
        API, Vercel maxDuration, ...), None when unbounded/unknown.
    partial_batch: for sqs/kinesis/dynamodb sources: True/False when the config says, None unknown.
    line: where the trigger is declared in the deployment file (None for conventions).
    """

    kind: str
    detail: str | None = None
    limit_s: float | None = None
    partial_batch: bool | None = None
    line: int | None = None


@dataclass(frozen=True)
class Function:
    """One deployable function (an entry point) of the project.

    name: logical name (serverless.yml key, CloudFormation logical id, CDK construct id, vercel
        route path, wrangler name, or ``module:callable`` for a convention).
    handler_path: posix path of the Python file, relative to the project root; None when the
        deployment file names a module that does not exist (SLS003 reports it).
    handler_callable: dotted callable inside the module: ``handler``, ``Default.fetch``, ``app``.
    handler_line: line of the callable's ``def`` / assignment in handler_path, None when unknown.
    timeout_s / memory_mb / concurrency: as configured (after provider/Globals defaults are
        merged), None when unset (platform default applies).
    source_path / source_line: the deployment file and line that declare it; None for a
        function found by convention.
    """

    name: str
    platform: str
    runtime_class: str
    handler_path: str | None
    handler_callable: str | None
    handler_line: int | None = None
    triggers: tuple[Trigger, ...] = ()
    timeout_s: float | None = None
    memory_mb: int | None = None
    concurrency: int | None = None
    runtime: str | None = None
    source_path: str | None = None
    source_line: int | None = None
    handler_module: str | None = None  # the module as written in the deployment file (e.g. "src/app")
    extra: tuple[tuple[str, Any], ...] = ()  # frozen mapping of platform-specific facts

    def get(self, name: str, default: Any = None) -> Any:
        for k, v in self.extra:
            if k == name:
                return v
        return default

    @property
    def trigger_kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.kind for t in self.triggers))

    @property
    def http_limit_s(self) -> float | None:
        limits = [t.limit_s for t in self.triggers if t.kind == "http" and t.limit_s is not None]
        return min(limits) if limits else None

    @property
    def budget_s(self) -> float | None:
        """The longest any call made per invocation may take: min(function timeout, HTTP limit)."""
        values = [v for v in (self.timeout_s, self.http_limit_s) if v is not None]
        return min(values) if values else None


@dataclass(frozen=True)
class SourceFile:
    """A file found by discovery.

    kind: python | serverless | cloudformation | vercel | wrangler | cdk (a Python CDK app is
        also ``python``; ``cdk`` marks that it declares constructs) | config.
    """

    path: str  # posix, relative to the project root
    abs_path: str
    kind: str
    vendored: bool = False


@dataclass
class RunStats:
    files_checked: int = 0
    files_skipped_vendored: int = 0
    files_skipped_excluded: int = 0
    files_from_cache: int = 0
    fixes_applied: int = 0
    fixes_dropped: list[str] = field(default_factory=list)
