"""The HTML report in a real browser: Playwright (PyPI) driving Debian's Chromium.

The whole pipeline runs on the bundled example batch, then headless Chromium loads the
report from disk and checks what a reader gets: no console errors, no network, the
expected sections, a non-blank rendering, a working print-to-PDF, and hostile text from
the data shown as text. No browser is downloaded (never ``playwright install``): the
tests use ``/usr/bin/chromium`` and skip when it or the ``playwright`` package is
missing, except under CI (``CI`` set), where a missing browser fails them.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, kept off the network: no background services, no QUIC, and every
# host name resolves to NOTFOUND so not even a DNS lookup leaves the machine.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
VIEWPORT = {"width": 1280, "height": 800}
SECTION_IDS = (
    "summary",
    "evidence",
    "york",
    "flow",
    "data-quality",
    "outcomes",
    "dropout",
    "tools",
    "precision",
    "methods",
)
HOSTILE = "<script>alert(1)</script>"
LOCAL_SCHEMES = ("file:", "data:")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (CI installs Debian's chromium package)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


MISSING = _missing()
IN_CI = os.environ.get("CI", "") != ""
if MISSING and not IN_CI:
    pytest.skip(f"browser tests need a browser: {MISSING}", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def _browser_required_in_ci():
    # Under CI a machine without the browser must not pass silently.
    if MISSING:
        pytest.fail(f"CI is set but the browser tests cannot run: {MISSING}", pytrace=False)


def _run_pipeline(config: Path, out: Path) -> Path:
    from pipeline.cli import main

    cwd = os.getcwd()
    os.chdir(ROOT)  # config paths are relative to the project root
    try:
        assert main(["run", "--config", str(config), "--out", str(out), "-q"]) == 0
    finally:
        os.chdir(cwd)
    report = out / "report.html"
    assert report.is_file()
    return report


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("report_browser")


@pytest.fixture(scope="module")
def report(work) -> Path:
    """The report of a whole pipeline run on the bundled example batch."""
    return _run_pipeline(ROOT / "config" / "pipeline.yaml", work / "example")


@pytest.fixture(scope="module")
def hostile_report(work) -> Path:
    """The report of the example batch with every site named ``<script>alert(1)</script>``."""
    import pandas as pd
    import yaml

    batch = work / "hostile"
    batch.mkdir()
    data = pd.read_csv(
        ROOT / "data" / "example" / "survey_export.csv",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    data["Venue"] = HOSTILE
    csv = batch / "survey_export.csv"
    data.to_csv(csv, index=False, encoding="utf-8")

    cfg = yaml.safe_load((ROOT / "config" / "pipeline.yaml").read_text(encoding="utf-8"))
    cfg["ingest"]["sources"][0]["path"] = str(csv)
    cfg["ingest"]["mapping"] = str(ROOT / "config" / "mappings" / "example.yaml")
    cfg["output"] = str(batch / "out")
    config = batch / "pipeline.yaml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return _run_pipeline(config, batch / "out")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Loaded:
    """A page with everything it logged, requested and popped up while loading."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, path: Path) -> Loaded:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self


@pytest.fixture
def loaded(browser):
    pages: list[Loaded] = []

    def load(path: Path) -> Loaded:
        pages.append(Loaded(browser).open(path))
        return pages[-1]

    yield load
    for p in pages:
        p.context.close()


def test_loads_without_errors_or_network(report, loaded):
    view = loaded(report)
    assert view.errors == []
    assert view.requests, "the browser recorded no request at all, not even the page"
    assert [u for u in view.requests if not u.startswith(LOCAL_SCHEMES)] == []
    assert view.blocked == []


def test_has_expected_sections(report, loaded):
    page = loaded(report).page
    sections = page.evaluate(
        """ids => ids.map(id => {
            const el = document.getElementById(id);
            return [id, el !== null, el !== null && el.querySelector('h2') !== null];
        })""",
        list(SECTION_IDS),
    )
    missing = [id_ for id_, exists, _ in sections if not exists]
    without_h2 = [id_ for id_, exists, has_h2 in sections if exists and not has_h2]
    assert missing == [], f"section ids missing: {missing}"
    assert without_h2 == [], f"sections without an h2: {without_h2}"


def test_has_a_title(report, loaded):
    page = loaded(report).page
    assert page.locator("h1").count() >= 1
    assert page.inner_text("h1").strip() != ""


def test_tables_have_headers(report, loaded):
    page = loaded(report).page
    counts = page.evaluate(
        "() => [...document.querySelectorAll('table')].map(t => t.querySelectorAll('th').length)"
    )
    bare = [i for i, n in enumerate(counts) if n == 0]
    assert bare == [], f"tables (by position) with no <th>: {bare} of {len(counts)}"


def test_charts_have_text_alternatives(report, loaded):
    page = loaded(report).page
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('svg')].filter(svg => {
            const title = [...svg.children].some(
                c => c.tagName.toLowerCase() === 'title' && c.textContent.trim() !== '');
            const label = (svg.getAttribute('aria-label') || '').trim() !== '';
            const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
            const labelledBy = ids.some(id => {
                const el = document.getElementById(id);
                return el !== null && el.textContent.trim() !== '';
            });
            const img = svg.getAttribute('role') === 'img' && (label || labelledBy);
            return !(title || label || img);
        }).map(svg => svg.outerHTML.slice(0, 120))"""
    )
    assert unlabelled == [], f"<svg> without a <title> or label: {unlabelled}"


def test_no_external_images(report, loaded):
    page = loaded(report).page
    sources = page.evaluate("() => [...document.images].map(img => img.src)")
    external = [s for s in sources if not s.startswith(LOCAL_SCHEMES)]
    assert external == []


def test_screenshot_is_not_blank(report, loaded, work):
    from PIL import Image, ImageStat

    png = loaded(report).page.screenshot(full_page=True, type="png")
    (work / "report_screenshot.png").write_bytes(png)
    if os.environ.get("SAVE_SCREENSHOT"):
        saved = ROOT / "output" / "report_screenshot.png"
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_bytes(png)

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    assert height > 1500, f"the full page is only {width}x{height} px"
    colours = image.getcolors(maxcolors=width * height)
    assert colours is not None and len(colours) >= 64, "hardly any distinct colours"
    assert max(ImageStat.Stat(image).stddev) > 10, "pixel values barely vary"


def test_prints_to_pdf(report, loaded):
    page = loaded(report).page
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 10_000, f"the PDF is only {len(pdf)} bytes"
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    assert pages >= 2, f"the PDF has {pages} page(s)"


def test_hostile_site_name_is_inert(hostile_report, loaded):
    html = hostile_report.read_text(encoding="utf-8")
    assert HOSTILE not in html
    view = loaded(hostile_report)
    assert view.dialogs == []
    assert view.page.locator("script").count() == 0, "the report must need no JavaScript"
    assert view.errors == []


def test_hostile_site_name_is_shown_as_text(hostile_report, loaded):
    page = loaded(hostile_report).page
    assert HOSTILE in page.inner_text("body"), "the site name is not shown in the report"
