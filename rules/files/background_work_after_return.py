"""Background work started in an invocation and not finished before it returns.

## What it does
Finds work that a function starts per invocation (in the handler or any project function it
calls) and leaves running when it returns:

- a `threading.Thread` / `threading.Timer` / `multiprocessing.Process` (or a project subclass)
  that is started and never joined: started inline (`Thread(...).start()`), or held in a local
  variable that nothing but `start()` touches;
- an `asyncio.create_task` / `asyncio.ensure_future` / `loop.create_task` /
  `loop.run_in_executor` whose result is dropped, kept in a local that is never awaited or
  gathered, or only added to a module-level set that nothing gathers (the fire-and-forget
  idiom);
- `executor.submit(...)` / `executor.map(...)` on a `concurrent.futures` executor whose future
  is dropped or never used, and `executor.shutdown(wait=False)` in a function that waits for
  none of its futures.

Not reported: threads that are joined, tasks and futures that are awaited, gathered, waited on,
returned, passed on (for example to Cloudflare's `ctx.waitUntil(...)`) or stored somewhere the
rule cannot follow; `with ThreadPoolExecutor() as ex:` blocks, which wait for their jobs on
exit; `asyncio.TaskGroup` tasks; code that no handler reaches. In edge functions only asyncio
tasks are reported (threads cannot start there: SLS301).

## Why is this bad?
A serverless function's work ends when it returns. Lambda freezes the execution environment
as soon as the handler returns: a background thread stops mid-work and resumes during some
later invocation, if the environment is ever reused, with expired credentials and timed-out
connections. Cloud Functions give the instance no CPU after the function returns ("do not
start background activities"), Vercel may suspend the function after the response, and a
Cloudflare Worker cancels pending tasks unless they are registered with `ctx.waitUntil`. The
work is silently lost, or runs late and interferes with another request.

## Example
```python
import threading

def send_receipt(order):
    ...

def handler(event, context):
    threading.Thread(target=send_receipt, args=(event["order"],)).start()
    return {"statusCode": 202}
```

## Use instead
```python
import threading

def send_receipt(order):
    ...

def handler(event, context):
    worker = threading.Thread(target=send_receipt, args=(event["order"],))
    worker.start()
    worker.join()
    return {"statusCode": 202}
```

Or send the work to a queue (SQS, Pub/Sub) processed by another function; in a Cloudflare
Worker, pass the task to `self.ctx.waitUntil(...)`.

## Fix safety
No automatic fix: joining makes the caller wait, which changes latency; moving the work to a
queue is a design decision.

## Options
None.

## References
- [Lambda execution environment lifecycle (freeze after the handler returns)](https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
- [Cloud Functions tips: do not start background activities](https://firebase.google.com/docs/functions/tips)
- [asyncio: keep references to tasks](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)
- [Cloudflare Workers: waitUntil](https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil)
"""
from __future__ import annotations

import ast

from sls_lint.astindex import nodes_of
from sls_lint.core import Applicability, FixAvailability, Severity
from sls_lint.rule import Case, Rule
from sls_lint.semantic import keyword

THREAD_TYPES = frozenset({"threading.Thread", "threading.Timer", "multiprocessing.Process", "multiprocessing.context.Process"})
LOOPS = ("asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop", "asyncio.AbstractEventLoop", "asyncio.BaseEventLoop")
TASK_CALLS = frozenset({"asyncio.create_task", "asyncio.ensure_future"} | {f"{l}.{m}" for l in LOOPS for m in ("create_task", "run_in_executor")})
EXECUTORS = frozenset({
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures.thread.ThreadPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor",
})
# calls on a task/future that do not wait for it
NOT_WAITING = frozenset({"add_done_callback", "set_name", "cancel", "get_name", "done", "cancelled"})
THREAD_SETUP = frozenset({"start", "setDaemon", "setName", "daemon", "name"})
WAITS = ("result", "exception", "join")
WAIT_FUNCS = frozenset({"concurrent.futures.wait", "concurrent.futures.as_completed", "asyncio.gather", "asyncio.wait", "asyncio.wait_for", "asyncio.as_completed", "asyncio.shield"})

AFTER_RETURN = {
    "aws-lambda": "Lambda freezes the execution environment when the handler returns, so the work stops mid-way and resumes in a later invocation, or never",
    "gcp-functions": "Cloud Functions give the instance no CPU once the function returns, so the work stalls and may interfere with the next invocation",
    "vercel": "Vercel may suspend the function once the response is sent, so the work can be cut off",
    "azure-functions": "the host may recycle the instance once the function returns, so the work can be lost",
    "cloudflare-workers": "the Worker cancels pending tasks once the response is returned unless they are passed to `ctx.waitUntil(...)`",
}


class BackgroundWorkAfterReturn(Rule):
    code = "SLS604"
    name = "background-work-after-return"
    summary = "Background work started per invocation and not finished before return"
    severity = Severity.WARNING
    fix_availability = FixAvailability.NEVER
    fix_safety = Applicability.DISPLAY_ONLY
    prefilter = ("Thread", "Timer", "Process", "create_task", "ensure_future", "run_in_executor", "submit", "shutdown", ".map(")

    def visit_Call(self, node: ast.Call, ctx) -> None:
        model = ctx.model
        found = self._started(model, node)
        if found is None:
            return
        what, kind = found
        reach = ctx.reach_of(node)
        if reach is None:
            return
        fn = reach.function
        if fn.runtime_class == "edge" and kind != "task":
            return
        if fn.runtime_class == "server":
            return
        why = AFTER_RETURN.get(fn.platform, "the platform may freeze or stop the instance once the function returns, so the work can be lost")
        advice = {"thread": "join it before returning, or send the work to a queue",
                  "task": "await it (or `asyncio.gather` the tasks) before returning" + (", or pass it to `ctx.waitUntil(...)`" if fn.platform == "cloudflare-workers" else ""),
                  "job": "wait for its result (`future.result()`, `concurrent.futures.wait`) or use `with ThreadPoolExecutor() as ex:`, which waits on exit"}[kind]
        ctx.report(node, f"{what} on every invocation of `{fn.name}` ({' → '.join(reach.chain)}) and is not finished when the function returns; {why}: {advice}", function=fn.name)

    # ------------------------------------------------------------------ what starts what
    def _started(self, model, node: ast.Call) -> tuple[str, str] | None:
        func = node.func
        qual = model.call_name(node) or ""
        if isinstance(func, ast.Attribute) and func.attr == "start" and not node.args:
            recv = func.value
            if isinstance(recv, ast.Call) and _thread_ctor(model, recv):
                return f"`{_short(model, recv)}.start()` starts a thread that nothing can join", "thread"
            if isinstance(recv, ast.Name):
                bound = _local_value(model, recv)
                if bound is not None and isinstance(bound, ast.Call) and _thread_ctor(model, bound):
                    info = model.enclosing_function(node)
                    if not _other_uses(model, info.node, recv.id, lambda use, parent: isinstance(parent, ast.Attribute) and parent.attr in THREAD_SETUP):
                        return f"`{recv.id}.start()` starts a thread (`{_short(model, bound)}`) that is never joined", "thread"
            return None
        if qual in TASK_CALLS:
            if _dropped(model, node):
                return f"`{_short(model, node)}` starts a task that is never awaited", "task"
            return None
        if isinstance(func, ast.Attribute) and func.attr in ("submit", "map", "shutdown"):
            recv = func.value
            owner = model.instance_type(recv) or ""
            if owner not in EXECUTORS or _inside_with_of(model, node, recv) or _shut_down_waiting(model, node, recv):
                return None
            if func.attr == "shutdown":
                wait = keyword(node, "wait")
                value = wait.value if wait is not None else (node.args[0] if node.args else None)
                if isinstance(value, ast.Constant) and value.value is False and not _waits_anything(model, node):
                    return f"`{model.node_text(node)}` returns without waiting for the executor's jobs", "job"
                return None
            if func.attr == "map":
                if isinstance(model.parents.get(node), ast.Expr):
                    return f"`{_short(model, node)}` schedules jobs whose results are never collected", "job"
                return None
            if _dropped(model, node):
                return f"`{_short(model, node)}` submits a job that is never waited for", "job"
        return None


def _short(model, node: ast.AST) -> str:
    text = model.node_text(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _thread_ctor(model, call: ast.Call) -> bool:
    name = model.call_name(call) or ""
    if name in THREAD_TYPES:
        return True
    prefix = model.module_name + "."
    if name.startswith(prefix) and name[len(prefix):] in model.classes:
        cls = model.classes[name[len(prefix):]]
        return any((model.qualified_name(b, model.module_scope) or "") in THREAD_TYPES for b in cls.bases)
    return False


def _local_value(model, name: ast.Name) -> ast.AST | None:
    """The value of a name bound once by ``name = value`` in the enclosing function."""
    scope = model.scope_at(name)
    found = model.lookup(name.id, scope)
    if found is None or found[0].kind != "function" or found[0] is not scope:
        return None
    sv = model.single_value(name.id, scope)
    return sv[0] if sv is not None else None


def _other_uses(model, body: ast.AST, name: str, harmless) -> bool:
    """``name`` is read in ``body`` in a way ``harmless(use, parent)`` does not accept."""
    for n in ast.walk(body):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
            parent = model.parents.get(n)
            if not harmless(n, parent):
                return True
    return False


def _dropped(model, call: ast.Call) -> bool:
    """The task/future a call returns is thrown away: a bare expression statement, or a local
    that is only given callbacks, or only added to a module-level collection nobody waits on."""
    parent = model.parents.get(call)
    if isinstance(parent, ast.Expr):
        return True
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    scope = model.scope_at(call)
    if scope.kind != "function" or name in scope.globals or name in scope.nonlocals:
        return False
    info = model.enclosing_function(call)
    collections: list[str] = []

    def harmless(use, parent_node) -> bool:
        if isinstance(parent_node, ast.Attribute) and parent_node.attr in NOT_WAITING:
            return True
        if isinstance(parent_node, ast.Call) and use in parent_node.args and isinstance(parent_node.func, ast.Attribute) and parent_node.func.attr in ("add", "append"):
            coll = parent_node.func.value
            if isinstance(coll, ast.Name):
                found = model.lookup(coll.id, model.scope_at(parent_node))
                if found is not None and found[0] is model.module_scope:
                    collections.append(coll.id)
                    return True
        return False

    if _other_uses(model, info.node, name, harmless):
        return False
    # a module-level collection that some code of the module gathers / waits on
    for coll in collections:
        if _collection_awaited(model, coll):
            return False
    return True


def _collection_awaited(model, name: str) -> bool:
    for n in nodes_of(model, ast.Name):
        if n.id == name and isinstance(n.ctx, ast.Load):
            parent = model.parents.get(n)
            if isinstance(parent, ast.Starred):
                parent = model.parents.get(parent)
            if isinstance(parent, ast.Call) and (model.call_name(parent) or "") in WAIT_FUNCS:
                return True
            if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
                return True  # iterated: possibly awaited one by one
    return False


def _inside_with_of(model, node: ast.AST, recv: ast.AST) -> bool:
    """``node`` runs inside ``with <executor> as recv:`` (the executor waits on exit)."""
    if not isinstance(recv, ast.Name):
        return False
    cur = model.parents.get(node)
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        if isinstance(cur, (ast.With, ast.AsyncWith)):
            for item in cur.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == recv.id:
                    return True
                if isinstance(item.context_expr, ast.Name) and item.context_expr.id == recv.id:
                    return True
        cur = model.parents.get(cur)
    return False


def _shut_down_waiting(model, node: ast.AST, recv: ast.AST) -> bool:
    """The function calls ``recv.shutdown()`` (waiting: the default) after submitting."""
    if not isinstance(recv, ast.Name):
        return False
    info = model.enclosing_function(node)
    if info is None:
        return False
    for n in ast.walk(info.node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "shutdown" and isinstance(n.func.value, ast.Name) and n.func.value.id == recv.id:
            wait = keyword(n, "wait")
            value = wait.value if wait is not None else (n.args[0] if n.args else None)
            if not (isinstance(value, ast.Constant) and value.value is False) and n.lineno >= node.lineno:
                return True
    return False


def _waits_anything(model, node: ast.AST) -> bool:
    info = model.enclosing_function(node)
    for n in ast.walk(info.node):
        if isinstance(n, ast.Call):
            if (model.call_name(n) or "") in WAIT_FUNCS:
                return True
            if isinstance(n.func, ast.Attribute) and n.func.attr in WAITS:
                return True
    return False


WORKER = "import asyncio\nfrom workers import Response, WorkerEntrypoint\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n"
WRANGLER = 'name = "api"\nmain = "handler.py"\ncompatibility_flags = ["python_workers"]\n'

VALID = [
    Case("import threading\n\ndef work(x):\n    return x\n\ndef handler(event, context):\n    t = threading.Thread(target=work, args=(event,))\n    t.start()\n    t.join()\n    return {'ok': True}\n", note="joined"),
    Case("import threading\n\ndef handler(event, context):\n    threads = [threading.Thread(target=print, args=(r,)) for r in event['Records']]\n    for t in threads:\n        t.start()\n    for t in threads:\n        t.join()\n", note="a list of threads joined in a loop"),
    Case("from concurrent.futures import ThreadPoolExecutor\n\ndef handler(event, context):\n    with ThreadPoolExecutor(max_workers=4) as ex:\n        for r in event['Records']:\n            ex.submit(print, r)\n    return {'ok': True}\n", note="the with block waits on exit"),
    Case("import asyncio\n\nasync def fetch(x):\n    return x\n\nasync def handler(event, context):\n    tasks = [asyncio.create_task(fetch(r)) for r in event['Records']]\n    return await asyncio.gather(*tasks)\n", note="gathered"),
    Case("import asyncio\n\nasync def fetch(x):\n    return x\n\nasync def main(event):\n    task = asyncio.create_task(fetch(event))\n    other = await fetch(1)\n    return await task, other\n\ndef handler(event, context):\n    return asyncio.run(main(event))\n", note="awaited later"),
    Case("from concurrent.futures import ThreadPoolExecutor\n\nPOOL = ThreadPoolExecutor(4)\n\ndef handler(event, context):\n    future = POOL.submit(sum, event['values'])\n    return future.result(timeout=5)\n", note="result() waits"),
    Case("import threading\n\ndef start_worker():\n    threading.Thread(target=print, daemon=True).start()\n", note="no handler reaches it"),
    Case("import asyncio\n\nasync def handler(event, context):\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(asyncio.sleep(0))\n    return event\n", note="TaskGroup waits"),
    Case(WORKER + "        self.ctx.waitUntil(asyncio.create_task(self.log(request)))\n        return Response('ok')\n\n    async def log(self, request):\n        return None\n", files={"wrangler.toml": WRANGLER}, note="Cloudflare waitUntil"),
    Case("import threading\n\nclass Job:\n    def start(self):\n        return 1\n\ndef handler(event, context):\n    Job().start()\n", note="a start() that is not a thread's"),
    Case("from concurrent.futures import ThreadPoolExecutor\n\ndef handler(event, context):\n    ex = ThreadPoolExecutor(2)\n    ex.submit(print, event)\n    ex.shutdown()\n    return event\n", note="shutdown() waits by default"),
    Case("import asyncio\n\nasync def handler(event, context):\n    task = asyncio.ensure_future(asyncio.sleep(1))\n    return task\n", note="returned to the caller"),
]

INVALID = [
    Case("import threading\n\ndef send(x):\n    return x\n\ndef handler(event, context):\n    threading.Thread(target=send, args=(event,)).start()\n    return {'statusCode': 202}\n", line=7,
         message="Lambda freezes the execution environment"),
    Case("from threading import Thread\n\ndef handler(event, context):\n    t = Thread(target=print, args=(event,), daemon=True)\n    t.daemon = True\n    t.start()\n    return {}\n", line=6, message="never joined"),
    Case("import asyncio\n\nasync def audit(e):\n    return e\n\nasync def handler(event, context):\n    asyncio.create_task(audit(event))\n    return {'ok': True}\n", line=7, message="never awaited"),
    Case("import asyncio\n\nBACKGROUND = set()\n\nasync def audit(e):\n    return e\n\nasync def handler(event, context):\n    task = asyncio.create_task(audit(event))\n    BACKGROUND.add(task)\n    task.add_done_callback(BACKGROUND.discard)\n    return {'ok': True}\n", line=9, note="the fire-and-forget idiom from the asyncio docs"),
    Case("from concurrent.futures import ThreadPoolExecutor\n\nPOOL = ThreadPoolExecutor(4)\n\ndef notify(user):\n    POOL.submit(print, user)\n\ndef handler(event, context):\n    notify(event['user'])\n    return {}\n", line=6, message="handler → notify"),
    Case("from concurrent.futures import ThreadPoolExecutor\n\ndef handler(event, context):\n    ex = ThreadPoolExecutor(2)\n    ex.map(print, event['Records'])\n    ex.shutdown(wait=False)\n    return {}\n", line=5, count=2),
    Case("import asyncio\n\ndef handler(event, context):\n    loop = asyncio.get_event_loop()\n    loop.run_in_executor(None, print, event)\n    return {}\n", line=5),
    Case("import threading\n\nclass Uploader(threading.Thread):\n    def run(self):\n        pass\n\ndef handler(event, context):\n    Uploader().start()\n", line=8, note="a project Thread subclass"),
    Case(WORKER + "        asyncio.create_task(self.log(request))\n        return Response('ok')\n\n    async def log(self, request):\n        return None\n", files={"wrangler.toml": WRANGLER}, line=7, message="ctx.waitUntil"),
]
