"""The expo kiosk end to end in headless Chromium: a request moves the arm, STOP stops it;
another web page cannot release the stop or ask for anything.

Needs Debian's `chromium` and `chromium-driver` (`make test` installs them).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.msgs import Instruction, JointState, SafetyEvent, Utterance
from robot.bus import fifo, latest
from robot.cerebellum.stop_requests import StopRequests
from robot.kiosk.cli import KioskRun, build_kiosk, cjk_fonts
from robot.launch.config import PROJECT_ROOT, load_launch

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="needs chromium and chromedriver (make test installs)"
)
MOVED_RAD = 0.05
"""A joint that changed this much has moved."""
HELD_RAD = 1e-3
"""After STOP the arm holds: no joint moves more than this (physics settling only)."""
SETTLE_S = 1.0
"""How long to wait for a message that must not come."""


@pytest.fixture
def served() -> Iterator[KioskRun]:
    run = build_kiosk(load_launch(PROJECT_ROOT / "launch" / "expo.toml"), port=0)
    for node in run.nodes:
        node.start()
    assert run.kiosk.serving.wait(20)
    yield run
    for node in run.nodes:
        node.request_stop()
    for node in reversed(run.nodes):
        node.stop()
    run.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="kiosk-test-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 800)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_request_moves_the_arm_and_stop_stops_it(served: KioskRun, browser) -> None:
    from selenium.webdriver.common.by import By

    bus = served.kiosk.bus
    states = bus.subscribe(JointState, policy=latest)
    events = bus.subscribe(SafetyEvent, policy=fifo(256))
    start = wait_for(states.poll, 20, "the first joint state").position

    browser.get(served.kiosk.url)
    buttons = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#requests button"), 20, "the buttons"
    )
    tray = next(b for b in buttons if "blue cup on the tray" in b.text)
    tray.click()

    def moved() -> JointState | None:
        state = states.poll()
        if state is None:
            return None
        change = max(abs(a - b) for a, b in zip(state.position, start, strict=True))
        return state if change > MOVED_RAD else None

    wait_for(moved, 60, "the arm to move after the click")
    steps = browser.find_element(By.ID, "steps")
    # Named as people say them, not by plan word.
    wait_for(lambda: "the blue cup" in steps.text, 10, "the plan's steps on the page")
    assert "cup_blue" not in steps.text
    wait_for(lambda: browser.find_element(By.ID, "view").get_attribute("src"), 20, "a frame")

    browser.find_element(By.ID, "stop").click()

    def estop_event() -> SafetyEvent | None:
        while (event := events.poll()) is not None:
            if event.kind == "estop":
                return event
        return None

    wait_for(estop_event, 10, "the E-stop safety event")
    time.sleep(0.2)  # let in-flight joint states drain
    held = wait_for(states.poll, 5, "a joint state after STOP").position
    time.sleep(1.0)
    later = wait_for(states.poll, 5, "a later joint state").position
    assert max(abs(a - b) for a, b in zip(held, later, strict=True)) < HELD_RAD
    banner = browser.find_element(By.ID, "estop-banner")
    wait_for(banner.is_displayed, 10, "the STOPPED banner")


SPEECH_SPY = """
window.spoken = [];
speechSynthesis.speak = (u) => window.spoken.push({text: u.text, lang: u.lang});
"""
"""Records what the page asks the browser to say (headless Chromium has no voices)."""


def test_the_page_reads_each_new_utterance_aloud_until_muted(served: KioskRun, browser) -> None:
    from selenium.webdriver.common.by import By

    bus = served.kiosk.bus
    bus.publish(Utterance(text="Said before the page opened.", language="en"))
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SPEECH_SPY})
    browser.get(served.kiosk.url)
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#requests button"), 20, "buttons")
    wait_for(
        lambda: "before the page" in browser.find_element(By.ID, "speech").text, 10, "old speech"
    )
    bus.publish(Utterance(text="Hallo!", language="de"))
    spoken = wait_for(lambda: browser.execute_script("return window.spoken"), 10, "speech")
    assert spoken == [{"text": "Hallo!", "lang": "de-DE"}]

    browser.find_element(By.ID, "mute").click()
    bus.publish(Utterance(text="你好！", language="zh"))
    wait_for(lambda: browser.find_element(By.ID, "speech").text == "你好！", 10, "the text")
    time.sleep(SETTLE_S)
    assert browser.execute_script("return window.spoken") == spoken
    assert browser.find_element(By.ID, "mute").get_attribute("aria-pressed") == "true"


MISSING_GLYPHS = """
const text = arguments[0], font = getComputedStyle(arguments[1]).font;
const canvas = document.createElement("canvas");
canvas.width = canvas.height = 64;
const ctx = canvas.getContext("2d");
ctx.font = font;
const pixels = (ch) => {
  ctx.clearRect(0, 0, 64, 64);
  ctx.fillText(ch, 4, 48);
  return ctx.getImageData(0, 0, 64, 64).data.join();
};
// A character of the private use area has a glyph in no font: its box is what a
// missing glyph looks like.
const box = pixels("\\uE000");
return [...text].filter((ch) => ch.trim() && pixels(ch) === box);
"""


@pytest.mark.skipif(not cjk_fonts(), reason="no CJK font (make test installs fonts-noto-cjk)")
def test_the_chinese_request_button_renders_its_glyphs(served: KioskRun, browser) -> None:
    """On a stock Debian kiosk without a CJK font the button showed empty boxes."""
    from selenium.webdriver.common.by import By

    browser.get(served.kiosk.url)
    buttons = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#requests button"), 20, "the buttons"
    )
    chinese = next(b for b in buttons if "茶" in b.text)
    missing = browser.execute_script(MISSING_GLYPHS, chinese.text, chinese)
    assert missing == [], f"no glyph for {''.join(missing)} (install fonts-noto-cjk)"


ATTACK_PAGE = """<!doctype html><title>attack</title>
<iframe name="sink"></iframe>
<form id="form" method="POST" action="KIOSKreset" enctype="text/plain" target="sink">
  <input name='{"a": "' value='"}'>
</form>
<script>
const kiosk = "KIOSK";
const ask = JSON.stringify({text: "Put the blue cup on the tray."});
const plain = {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}};
const json = {method: "POST", headers: {"Content-Type": "application/json"}};
document.getElementById("form").submit();
Promise.allSettled([
  fetch(kiosk + "reset", {...plain, body: "{}"}),  // simple requests: sent without asking
  fetch(kiosk + "instruction", {...plain, body: ask}),
  fetch(kiosk + "reset", {...json, body: "{}"}),  // JSON: a preflight first
  fetch(kiosk + "instruction", {...json, body: ask}),
]).then((results) => { document.title = "done " + results.map((r) => r.status).join(" "); });
</script>"""


@pytest.fixture
def foreign_page(served: KioskRun) -> Iterator[str]:
    """The URL of a page on another local server (another origin) aimed at the kiosk."""
    page = ATTACK_PAGE.replace("KIOSK", served.kiosk.url).encode()

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_another_page_cannot_release_the_stop_or_ask(
    served: KioskRun, foreign_page: str, browser, caplog
) -> None:
    caplog.set_level(logging.DEBUG, logger="robot.kiosk.httpd")
    bus = served.kiosk.bus
    estops = StopRequests(bus, 64)
    instructions = bus.subscribe(Instruction, policy=fifo(64))
    stop = urllib.request.Request(served.kiosk.url + "stop", data=b"", method="POST")
    with urllib.request.urlopen(stop, timeout=10) as answer:
        assert answer.status == 200
    assert estops.get(timeout=10).engaged is True

    browser.get(foreign_page)
    wait_for(lambda: browser.title.startswith("done"), 30, "the foreign page's requests")
    time.sleep(SETTLE_S)

    assert estops.poll() is None, "the E-stop was released by another page"
    assert instructions.poll() is None, "another page asked for a plan"
    # They did reach the kiosk, and were refused there (the JSON ones at the preflight).
    answered = [r.getMessage() for r in caplog.records if r.name == "robot.kiosk.httpd"]
    assert any("POST /reset: 403" in line for line in answered), answered
    assert any("POST /instruction: 403" in line for line in answered), answered
    assert any("OPTIONS /instruction: 403" in line for line in answered), answered
