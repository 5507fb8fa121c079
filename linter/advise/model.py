"""Plain data of the migration advisor (frozen dataclasses): what ``sls-lint advise`` found for
each function, the verdict and the steps to reach a target. The JSON form is documented in
docs/advise.md and produced by :mod:`sls_lint.advise.report`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TARGETS = ("edge", "serverless", "server")
VERDICTS = TARGETS + ("unknown",)


@dataclass(frozen=True)
class Location:
    path: str  # relative to the working directory, '/'-separated
    line: int | None = None

    def label(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Evidence:
    """One fact that pushes a function towards (or away from) a runtime class.

    kind: a stable token (``socket-driver``, ``sync-http``, ``websocket-server``, ``trigger``,
        ``config``, ``finding``, ... see docs/advise.md).
    points_to: the runtime class this fact argues for (edge | serverless | server) or None
        when it only blocks some targets.
    blocks: the targets this fact stands in the way of.
    code: the rule code of the finding, or of the rule that covers this fact.
    subject: the call, module or config value the fact is about (``requests.get``, ``psycopg2``,
        ``timeout=1800``).
    """

    kind: str
    summary: str
    location: Location | None = None
    code: str | None = None
    subject: str | None = None
    points_to: str | None = None
    blocks: tuple[str, ...] = ()
    mechanical: bool = False  # a rewrite removes it without changing the design (e.g. requests -> fetch)


@dataclass(frozen=True)
class Step:
    """A concrete change towards a target.

    category: ``blocker`` (stops the move) or ``recommended`` (a finding to fix on the target).
    action: replace-call | remove-import | set-config | move-to-queue | move-to-storage |
        rewrite-entrypoint | hoist | fix-finding | add-files | split-work | keep-or-replace.
    auto_fix: ``safe`` / ``unsafe`` when ``sls-lint check --fix`` (``--unsafe-fixes``) applies
        it through rule ``code``; None when a person does it.
    """

    category: str
    action: str
    text: str
    location: Location | None = None
    code: str | None = None
    auto_fix: str | None = None


@dataclass(frozen=True)
class Contributor:
    module: str
    ms: float
    location: Location | None = None


@dataclass(frozen=True)
class ColdStart:
    """Estimated import time of a function's module closure (module-scope imports)."""

    total_ms: float
    contributors: tuple[Contributor, ...] = ()  # biggest first
    unmeasured: tuple[str, ...] = ()  # third-party modules imported with no cost in the table
    source: str = "table"  # which estimator computed it
    note: str = ""


@dataclass(frozen=True)
class PlanFile:
    path: str  # where to add it, relative to the working directory
    purpose: str
    language: str  # python | yaml
    content: str


@dataclass(frozen=True)
class Plan:
    """A change the fixers cannot make: new files to add and the steps around them."""

    kind: str  # presigned-upload | queue-offload
    function: str
    reason: str
    code: str | None
    files: tuple[PlanFile, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class FunctionAdvice:
    name: str
    platform: str
    runtime_class: str
    handler: str | None  # path:callable[:line] or None
    triggers: tuple[str, ...]
    timeout_s: float | None
    memory_mb: int | None
    concurrency: int | None
    cold_start: ColdStart | None
    verdict: str
    reason: str
    evidence: tuple[Evidence, ...]
    deciding: tuple[int, ...] = ()  # indexes into evidence that decided the verdict
    steps: tuple[Step, ...] = ()  # only with a target
    plans: tuple[Plan, ...] = ()


@dataclass(frozen=True)
class FixCommand:
    codes: tuple[str, ...]
    command: str
    unsafe: bool = False


@dataclass(frozen=True)
class AdviceReport:
    version: str
    target: str | None
    functions: tuple[FunctionAdvice, ...]
    fix_commands: tuple[FixCommand, ...] = ()
    errors: tuple[str, ...] = ()
    rules: tuple[str, ...] = field(default=())  # rule codes that ran (evidence gets richer as rules land)
