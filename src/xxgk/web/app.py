"""The web application: routes over the store and the core. No rules of its own.

Pages: 名单 /roster, 生成 /generate, 收件 /upload, 检查结果 /results, 单位 /units/{key},
汇总 /summary, 对比 /compare. Every form carries a CSRF token; every response a CSP without
inline script; every text goes through Jinja2 autoescape.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..report.model import SEVERITY_ZH, STATUS_ZH
from ..store import Store, StoreError
from ..store.checking import export_current
from . import compare as compare_view
from .checker import Checker
from .downloads import attachment, blank_workbooks, load_roster
from .feedback import feedback_file
from .security import SecurityMiddleware, csrf_ok, csrf_token, password_ok
from .uploads import MAX_FILE, MAX_FILES, MAX_REQUEST, UploadProblem, received_files

HERE = Path(__file__).resolve().parent
STATUS_LABEL = {**STATUS_ZH, "accepted": "通过（警告已核实）", "missing": "未报送"}
PUBLIC = ("/login", "/static/")


def _templates() -> Jinja2Templates:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    t = Jinja2Templates(env=env)
    t.env.globals.update(STATUS_LABEL=STATUS_LABEL, SEVERITY_ZH=SEVERITY_ZH, quote=lambda s: quote(s, safe=""))
    t.env.filters["local"] = _local_time
    return t


def _local_time(value: datetime | None, seconds: bool = False) -> str:
    """A stored time in this computer's time zone (SQLite hands back UTC times without a zone)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def create_app(store: Store, *, password: str | None = None, jobs: int | None = None,
               secret: str | None = None) -> Starlette:
    templates = _templates()
    checker = Checker(store, jobs)
    secret = secret or store.setting("session_secret")
    if not secret:
        secret = secrets.token_urlsafe(32)
        store.set_setting("session_secret", secret)

    def page(request: Request, name: str, http_status: int = 200, **context: Any) -> Response:
        context.update(csrf=csrf_token(request), nav=name.split(".")[0], has_password=bool(password),
                       roster=store.roster_info())
        return templates.TemplateResponse(request, name, context, status_code=http_status)

    async def form_of(request: Request) -> FormData:
        try:
            form = await request.form(max_files=MAX_FILES, max_fields=200, max_part_size=64 * 1024)
        except HTTPException as e:
            if "Too many files" in str(e.detail):
                raise HTTPException(413, f"一次最多接收{MAX_FILES}个文件，请分批上传。") from None
            raise HTTPException(400, "表单内容无法读取，请刷新页面后重试。") from None
        if not csrf_ok(request, form):
            raise HTTPException(403, "页面已过期或来源不明（安全校验未通过），请刷新页面后重新提交。")
        return form

    # ------------------------------------------------------------ login

    async def login(request: Request) -> Response:
        if request.method == "POST":
            form = await form_of(request)
            if password and password_ok(form.get("password"), password):
                request.session["auth"] = True
                return RedirectResponse("/results", status_code=303)
            await asyncio.sleep(1)  # a wrong password costs a second: guessing stays slow
            return page(request, "login.html", 401, error="密码不正确，请重新输入。")
        return page(request, "login.html")

    # ------------------------------------------------------------ 名单

    async def roster(request: Request) -> Response:
        error = None
        if request.method == "POST":
            form = await form_of(request)
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                error = ["请选择名单文件（CSV或XLSX）。"]
            else:
                data = await upload.read(MAX_FILE + 1)
                error = load_roster(store, data, upload.filename or "名单")
            if not error:
                return RedirectResponse("/roster", status_code=303)
        units = store.units()
        groups: dict[str, dict[str, list[Any]]] = {}
        for u in units:
            groups.setdefault(u.level or "未填层级", {}).setdefault(u.parent or "（未填上级单位）", []).append(u)
        return page(request, "roster.html", 400 if error else 200, error=error, units=units, groups=groups)

    # ------------------------------------------------------------ 生成

    async def generate(request: Request) -> Response:
        units = store.units()
        if request.method == "GET":
            return page(request, "generate.html", units=units, year=store.setting("year"),
                        deadline=store.setting("deadline"))
        form = await form_of(request)
        year_text = str(form.get("year") or "").strip()
        deadline = str(form.get("deadline") or "").strip()[:50]
        which = str(form.get("unit") or "")
        if not year_text.isdigit() or not 2021 <= int(year_text) <= 2100:
            return page(request, "generate.html", 400, units=units, year=year_text, deadline=deadline,
                        error="请填写报告年度（2021—2100之间的四位数字，如 2024）。")
        if not units:
            return page(request, "generate.html", 400, units=units, year=year_text, deadline=deadline,
                        error="还没有单位名单：请先在“名单”页上传名单。")
        year = int(year_text)
        store.set_setting("year", str(year))
        store.set_setting("deadline", deadline)
        return await run_in_threadpool(blank_workbooks, store, year, deadline, which)

    # ------------------------------------------------------------ 收件

    async def upload(request: Request) -> Response:
        if request.method == "GET":
            rid = request.query_params.get("round")
            return page(request, "upload.html", round=int(rid) if rid and rid.isdigit() else None,
                        max_file=MAX_FILE // 1024 // 1024, max_request=MAX_REQUEST // 1024 // 1024, max_files=MAX_FILES)
        form = await form_of(request)
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            files = await received_files(form)
        except UploadProblem as e:
            if wants_json:
                return JSONResponse({"error": str(e)}, status_code=400)
            return page(request, "upload.html", 400, error=str(e), round=None, max_file=MAX_FILE // 1024 // 1024,
                        max_request=MAX_REQUEST // 1024 // 1024, max_files=MAX_FILES)
        rid = await run_in_threadpool(store.start_round, "web", files)  # the loop keeps serving meanwhile
        checker.submit(rid)
        if wants_json:
            return JSONResponse({"round": rid, "files": len(files)})
        return RedirectResponse(f"/upload?round={rid}", status_code=303)

    async def progress(request: Request) -> Response:
        rid = int(request.path_params["rid"])
        p = store.round_progress(rid)
        if p is None:
            return JSONResponse({"error": "没有这一轮"}, status_code=404)
        p["failed"] = checker.failed.get(rid)
        return JSONResponse(p)

    # ------------------------------------------------------------ 检查结果

    async def results(request: Request) -> Response:
        year = store.working_year()
        rows = result_rows(store, year)
        status = request.query_params.get("status", "")
        level = request.query_params.get("level", "")
        q = request.query_params.get("q", "").strip()
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        levels = sorted({r["unit"].level for r in rows if r["unit"].level})
        shown = [r for r in rows if (not status or r["status"] == status) and (not level or r["unit"].level == level)
                 and (not q or q in r["unit"].name)]
        return page(request, "results.html", rows=shown, total=len(rows), counts=counts, year=year, levels=levels,
                    status=status, level=level, q=q, unmatched=store.unmatched()[:200])

    # ------------------------------------------------------------ 单位

    async def unit(request: Request) -> Response:
        key = request.path_params["key"]
        u = store.unit(key)
        if u is None:
            raise HTTPException(404, "名单中没有这个单位。")
        error = None
        if request.method == "POST":
            form = await form_of(request)
            reviewer = str(form.get("reviewer") or "")
            try:
                store.decide(key, int(str(form.get("finding") or "0")), reviewer, str(form.get("reason") or ""))
                request.session["reviewer"] = reviewer.strip()[:100]
                return RedirectResponse(f"/units/{quote(key, safe='')}", status_code=303)
            except (StoreError, ValueError) as e:
                error = str(e) if isinstance(e, StoreError) else "请求有误，请刷新页面后重试。"
        history = store.history(key)
        year = store.working_year()
        current = next((s for s in history if s.current and s.year == year), None) or next(
            (s for s in history if s.current), None)
        status = current.status if current else None
        warnings = [f for f in current.findings if f.severity == "warning" and f.outcome == "fail"] if current else []
        if status == "warn" and warnings and all(f.decision for f in warnings):
            status = "accepted"
        return page(request, "unit.html", 400 if error else 200, unit=u, history=history, current=current,
                    current_status=status,
                    error=error, reviewer=request.session.get("reviewer", ""), decisions=store.decisions(key))

    async def download(request: Request) -> Response:
        s = store.submission(int(request.path_params["sid"]))
        if s is None:
            raise HTTPException(404, "没有这个文件。")
        u = store.unit(s.unit_key) if s.unit_key else None
        ext = os.path.splitext(s.name)[1].lower()
        ext = ext if ext[1:].isalnum() and len(ext) <= 6 else ""
        name = f"{u.name if u else '未匹配单位'}_第{s.round_id}轮报送{ext}"
        return attachment(store.file_bytes(s.sha256), name, "application/octet-stream")

    async def feedback(request: Request) -> Response:
        sid = int(request.path_params["sid"])
        if store.submission(sid) is None:
            raise HTTPException(404, "没有这个文件。")
        got = feedback_file(store, sid)
        if got is None:
            raise HTTPException(404, "这份报送没有需要改正的问题，不需要反馈文件。")
        name, data, media = got
        return attachment(data, name, media)

    # ------------------------------------------------------------ 汇总

    async def summary(request: Request) -> Response:
        return page(request, "summary.html", year=store.working_year(), rounds=store.rounds()[-20:])

    async def recheck(request: Request) -> Response:
        """Check every unit's current file again as a new round (e.g. after updating xxgk); the review
        decisions hold wherever the same findings come back."""
        await form_of(request)
        year = store.working_year()
        files = [(name, store.file_bytes(sha)) for _key, sha, name in store.current_files(year)]
        if not files:
            return page(request, "summary.html", 400, year=year, rounds=store.rounds()[-20:],
                        error="还没有可以重新检查的报送。")
        rid = await run_in_threadpool(store.start_round, "web", files)
        checker.submit(rid)
        return RedirectResponse(f"/upload?round={rid}", status_code=303)

    async def summary_file(request: Request) -> Response:
        name = request.path_params["name"]
        media = {"summary.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "summary.json": "application/json", "summary.html": "text/html; charset=utf-8"}
        if name not in media:
            raise HTTPException(404, "没有这个文件。")
        with tempfile.TemporaryDirectory(prefix="xxgk-summary-") as tmp:
            await run_in_threadpool(export_current, store, Path(tmp), jobs)
            data = (Path(tmp) / name).read_bytes()
        if name == "summary.html":  # shown in a sandbox: the summary's own script and style stay inert here
            return Response(data, media_type=media[name], headers={
                "content-disposition": "attachment; filename=summary.html"})
        return attachment(data, name, media[name])

    # ------------------------------------------------------------ 对比

    async def compare(request: Request) -> Response:
        year = store.working_year()
        return page(request, "compare.html", year=year, view=compare_view.build(store, year))

    async def home(request: Request) -> Response:
        return RedirectResponse("/results" if store.units() else "/roster", status_code=303)

    routes = [
        Route("/", home),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/roster", roster, methods=["GET", "POST"]),
        Route("/generate", generate, methods=["GET", "POST"]),
        Route("/upload", upload, methods=["GET", "POST"]),
        Route("/rounds/{rid:int}/progress", progress),
        Route("/results", results),
        Route("/units/{key:path}", unit, methods=["GET", "POST"]),
        Route("/files/{sid:int}", download),
        Route("/feedback/{sid:int}", feedback),
        Route("/summary", summary),
        Route("/recheck", recheck, methods=["POST"]),
        Route("/summary/{name}", summary_file),
        Route("/compare", compare),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail else "请求有误。"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "没有这个页面。"
        if request.url.path.startswith("/rounds/") or "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"error": detail}, status_code=exc.status_code)
        return page(request, "error.html", exc.status_code, message=detail)

    async def internal_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("服务器内部错误，请稍后重试；若反复出现，请把操作步骤告知维护人员。", status_code=500)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        checker.start()
        try:
            yield
        finally:
            checker.stop()

    class PasswordGate:
        def __init__(self, app: Any):
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if (password and scope["type"] == "http" and not scope["path"].startswith(PUBLIC)
                    and not scope.get("session", {}).get("auth")):
                await RedirectResponse("/login", status_code=303)(scope, receive, send)
                return
            await self.app(scope, receive, send)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityMiddleware, max_body=MAX_REQUEST + 1024 * 1024),
                    Middleware(SessionMiddleware, secret_key=secret, same_site="strict", session_cookie="xxgk_session"),
                    Middleware(PasswordGate)],
        exception_handlers={HTTPException: http_error, 500: internal_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.checker = checker
    return app


def result_rows(store: Store, year: int | None) -> list[dict[str, Any]]:
    """One row per roster unit: its current submission for `year`, or 未报送."""
    current = store.current(year)
    rows = []
    for u in store.units():
        c = current.get(u.key)
        rows.append({"unit": u, "current": c, "status": c.effective if c else "missing"})
    return rows
