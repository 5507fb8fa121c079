"""The decision guide: a verdict per function from its evidence, and for ``--target`` the steps
that stand between the function and the target.

Decision guide (issue 8, DESIGN.md):
- **server** (long-running): serves WebSockets itself, holds persistent connections, runs loops
  that never end, CPU-heavy work (ML frameworks, process pools, ffmpeg-style tools), or jobs past
  the platform's maximum duration;
- **edge**: request-path work (HTTP triggers; a schedule is fine) with no heavy dependencies,
  cloud SDKs, socket drivers, sockets, subprocesses, threads or filesystem writes; synchronous
  HTTP and module-level entropy do not disqualify it, because a mechanical rewrite removes them;
- **serverless**: everything else: API routes with database access, webhooks, queue consumers,
  scheduled tasks, storage-event consumers.
"""
from __future__ import annotations

from sls_lint.core import Diagnostic, Function

from .model import Evidence, Location, Step

# rule code -> (points_to, blocks, mechanical): how a finding of that rule weighs in the verdict
CODE_ROLES: dict[str, tuple[str | None, tuple[str, ...], bool]] = {
    "SLS103": ("serverless", (), False),
    "SLS204": ("serverless", (), False),
    "SLS301": (None, ("edge",), False),
    "SLS302": (None, ("edge",), True),
    "SLS303": (None, ("edge",), False),
    "SLS304": ("serverless", ("edge",), False),
    "SLS305": (None, ("edge",), True),
    "SLS501": ("serverless", ("edge",), False),
    "SLS502": ("serverless", ("edge",), False),
    "SLS503": (None, ("edge",), False),
    "SLS504": (None, ("edge", "serverless"), False),
    "SLS601": ("serverless", ("edge",), False),
    "SLS604": (None, ("edge", "serverless"), False),
}
# rule families worth fixing on each target even when they do not block the move
RECOMMENDED_PREFIXES = {
    "serverless": ("SLS1", "SLS2", "SLS4", "SLS5", "SLS6", "SLS7"),
    "edge": ("SLS2", "SLS3", "SLS4", "SLS5", "SLS6"),
    "server": ("SLS1", "SLS2", "SLS4", "SLS608"),
}

PLATFORM_LABEL = {
    "aws-lambda": "AWS Lambda", "vercel": "Vercel", "cloudflare-workers": "Cloudflare Workers",
    "gcp-functions": "Google Cloud Functions", "azure-functions": "Azure Functions",
}


def finding_evidence(d: Diagnostic) -> Evidence:
    points, blocks, mech = CODE_ROLES.get(d.code, (None, (), False))
    return Evidence("finding", f"{d.code} {d.name}: {d.message}", Location(d.path, d.line), code=d.code, subject=d.name, points_to=points, blocks=blocks, mechanical=mech)


def decide(fn: Function, evidence: list[Evidence], analysed: bool, cold_ms: float | None) -> tuple[str, str, tuple[int, ...]]:
    """(verdict, reason, indexes of the deciding evidence)."""
    if not analysed:
        where = "inline code in " + fn.source_path if fn.get("inline") and fn.source_path else "its handler source was not found"
        return "unknown", f"not analysed: {where}; configuration alone cannot place it", ()
    server = [i for i, e in enumerate(evidence) if e.points_to == "server"]
    if server:
        return "server", "long-running work: " + "; ".join(_short(evidence[i]) for i in server[:3]), tuple(server)
    hard_edge = [i for i, e in enumerate(evidence) if "edge" in e.blocks and not e.mechanical]
    kinds = set(fn.trigger_kinds)
    request_path = "http" in kinds and kinds <= {"http", "schedule"}
    if request_path and not hard_edge:
        http = [i for i, e in enumerate(evidence) if e.kind == "trigger" and e.subject == "http"]
        cost = f"; estimated import cost {cold_ms:g} ms" if cold_ms is not None else ""
        mech = [i for i, e in enumerate(evidence) if "edge" in e.blocks and e.mechanical]
        extra = f" ({len(mech)} mechanical rewrite{'s' if len(mech) != 1 else ''} needed)" if mech else ""
        return "edge", f"lightweight request-path work: no heavy dependencies, cloud SDKs, socket drivers, sockets, threads or filesystem writes{cost}{extra}", tuple(http + mech)
    serverless = [i for i, e in enumerate(evidence) if e.points_to == "serverless"]
    deciding = serverless or hard_edge
    if not deciding:
        return "serverless", "not request-path work and nothing long-running", ()
    return "serverless", "; ".join(_short(evidence[i]) for i in deciding[:3]), tuple(deciding)


def _short(e: Evidence) -> str:
    where = f" ({e.location.label()})" if e.location and e.location.line else ""
    return e.summary + where


# --------------------------------------------------------------------------- steps
def _step_for(e: Evidence, target: str) -> tuple[str, str]:
    """(action, concrete text) to remove an evidence item that blocks ``target``."""
    s = e.subject or ""
    at = f" at {e.location.label()}" if e.location and e.location.line else ""
    if target == "edge":
        from .evidence import SOCKET_DRIVERS

        table = {
            "sync-http": ("replace-call", f"replace `{s}(...)`{at} with `await fetch(...)` (`from workers import fetch`) or `httpx.AsyncClient`"),
            "raw-socket": ("replace-call", f"replace `{s}(...)`{at}: raw sockets do not work at the edge; call an HTTP API through fetch()"),
            "socket-driver": ("replace-call", f"replace `{s}`{at} with {SOCKET_DRIVERS.get(s.split('.')[0], 'an HTTP API')}"),
            "edge-unavailable-module": ("remove-import", f"remove `import {s}`{at} and the code that needs it (not available in Python Workers)"),
            "subprocess": ("keep-or-replace", f"`{s}`{at} cannot run at the edge: do the work in-process or keep this function serverless"),
            "threads": ("replace-call", f"replace `{s}`{at} with awaited asyncio tasks, or `ctx.waitUntil(...)` for work after the response"),
            "filesystem-write": ("move-to-storage", f"replace `{s}`{at} with an R2 or KV binding (`self.env.BUCKET.put(...)`): there is no writable disk at the edge"),
            "heavy-import": ("keep-or-replace", f"drop `{s}`{at} from the request path (edge start-up is limited to 1 s) or keep this function serverless"),
            "cloud-sdk": ("replace-call", f"replace `{s}`{at} with the service's HTTPS API through fetch() (signed with SigV4/OAuth), or keep this function serverless"),
            "entropy-at-import": ("replace-call", f"move `{s}()`{at} into the handler: module code runs at the deploy-time snapshot"),
            "polling": ("move-to-queue", f"move the wait{at} out of the request: enqueue the work (Cloudflare Queues) and return 202"),
            "upload-processing": ("add-files", f"upload straight to storage and process from a queue consumer{at} (see the plan)"),
            "trigger": ("set-config", f"rewire the {e.summary} to a Cloudflare Queue consumer or cron trigger (`[[queues.consumers]]` / `[triggers] crons` in wrangler.toml)"),
            "config": ("set-config", f"{e.summary}: move the long part to a queue consumer, then drop `{s.split('=')[0]}` to fit the edge"),
        }
    elif target == "serverless":
        table = {
            "websocket-server": ("split-work", f"serve the WebSocket{at} through a managed gateway (API Gateway WebSocket API, one invocation per message, connections in a table) or keep it on a server"),
            "websocket": ("split-work", f"`{s}`{at} keeps connections open: use a managed WebSocket gateway, or keep this part on a server"),
            "persistent-loop": ("move-to-queue", f"replace the endless loop{at} with a queue consumer or a schedule trigger that handles one batch per invocation"),
            "persistent-connection": ("split-work", f"`{s}`{at} holds a connection open: move it to a long-running worker and hand results over through a queue"),
            "server-loop": ("split-work", f"`{s}`{at} runs a server: expose the handler as a function instead of serving it"),
            "cpu-heavy": ("split-work", f"move the CPU-heavy work (`{s}`{at}) to a container task (ECS/Fargate, Cloud Run jobs, Batch) triggered through a queue"),
            "config": ("set-config", f"{e.summary}: split the job into steps of under the limit (queue + consumer, Step Functions / Durable Functions), then set `timeout` within the platform maximum"),
        }
    else:
        table = {}
    if e.kind == "finding":
        return ("fix-finding", f"{e.code}{at}: {e.summary.split(': ', 1)[-1]}")
    return table.get(e.kind, ("fix-finding", f"{e.summary}{at}"))


def _platform_steps(fn: Function, target: str) -> list[Step]:
    if fn.runtime_class == target:
        return []
    handler = f"{fn.handler_path}:{fn.handler_callable}" if fn.handler_path else fn.name
    out: list[Step] = []
    if target == "edge":
        out.append(Step("blocker", "rewrite-entrypoint", f"rewrite `{handler}` as `class Default(WorkerEntrypoint): async def fetch(self, request)` (from workers import WorkerEntrypoint, Response)"))
        out.append(Step("blocker", "set-config", f"add wrangler.toml with `main = \"{fn.handler_path or 'src/entry.py'}\"`, `compatibility_flags = [\"python_workers\"]` and a `compatibility_date`; move environment values to `[vars]` and secrets to `wrangler secret put`"))
    elif target == "serverless":
        if fn.platform == "cloudflare-workers":
            out.append(Step("blocker", "rewrite-entrypoint", f"port `{handler}` from `fetch(self, request)` to `handler(event, context)` (AWS Lambda) or an ASGI app (Vercel), replacing `self.env` bindings with SDK clients created at module scope"))
            out.append(Step("blocker", "set-config", "declare the function in serverless.yml / template.yaml with `timeout`, `memorySize` and `reservedConcurrency` set"))
        else:
            out.append(Step("blocker", "set-config", "run the job as a function: set `timeout` within the platform maximum and move the rest to a queue consumer"))
    elif target == "server":
        out.append(Step("blocker", "rewrite-entrypoint", f"serve `{handler}` from a long-running process: an ASGI app (FastAPI/Starlette + uvicorn) in a container (ECS/Fargate, Cloud Run, Fly.io)"))
        for t in fn.triggers:
            if t.kind in ("sqs", "queue"):
                out.append(Step("blocker", "move-to-queue", f"replace the {t.kind} trigger with a consumer loop in the server (long-polling `receive_message`, delete after success)"))
            elif t.kind == "schedule":
                out.append(Step("blocker", "set-config", "replace the schedule trigger with a cron job (or APScheduler in the server)"))
            elif t.kind in ("s3", "sns", "eventbridge", "dynamodb", "kinesis", "other"):
                out.append(Step("blocker", "set-config", f"deliver the {t.kind} events to the server through a queue (event notification -> SQS -> consumer loop)"))
    return out


def steps_for(fn: Function, target: str, evidence: list[Evidence], findings: list[Diagnostic], plans_exist: bool) -> list[Step]:
    steps: list[Step] = list(_platform_steps(fn, target))
    fix_at: dict[tuple[str, int | None, str], Diagnostic] = {(d.path, d.line, d.code): d for d in findings}
    for e in evidence:
        if target not in e.blocks:
            continue
        auto = None
        d = None
        if e.location is not None and e.code is not None:
            d = fix_at.get((e.location.path, e.location.line, e.code))
            if d is not None and d.fix is not None and d.fix.applicability.value in ("safe", "unsafe"):
                auto = d.fix.applicability.value
        action, text = _step_for(e, target)
        if auto and d is not None and d.fix is not None:
            text += f" (auto-fix: {d.fix.title})"
        steps.append(Step("blocker", action, text, e.location, e.code, auto))
    blocked = {(s.location, s.code) for s in steps}
    for d in findings:
        loc = Location(d.path, d.line)
        if (loc, d.code) in blocked or not d.code.startswith(RECOMMENDED_PREFIXES.get(target, ())):
            continue
        auto = d.fix.applicability.value if d.fix is not None and d.fix.applicability.value in ("safe", "unsafe") else None
        text = f"{d.code} at {loc.label()}: " + (d.fix.title if d.fix is not None and auto else d.message)
        steps.append(Step("recommended", "fix-finding", text, loc, d.code, auto))
    if plans_exist:
        steps.append(Step("blocker" if target in ("edge", "serverless") else "recommended", "add-files", "add the files of the generated plan (presigned upload / queue offload) and wire them in the deployment file"))
    # one step per (location, code, text)
    out: list[Step] = []
    seen: set[tuple] = set()
    for s in steps:
        key = (s.location, s.code, s.text)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
