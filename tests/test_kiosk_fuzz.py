"""Fuzzing the kiosk's inputs: request lines, headers, query strings and JSON bodies of
any shape get a 2xx or 4xx answer with a JSON reason, never a 500 or a traceback, never
a hang, and the kiosk keeps serving."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.msgs import Instruction, encode_msgpack
from robot.bus import Bus, fifo
from robot.kiosk import Kiosk
from robot.kiosk.server import ROUTES

TOKEN = "s3cret"
ANSWER_TIMEOUT_S = 10.0
"""An answer that takes longer has hung (the fixture's polls wait 0.05 s)."""
FUZZ = settings(max_examples=150, deadline=None)
_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


@pytest.fixture(scope="module")
def kiosk() -> Iterator[Kiosk]:
    """A kiosk with a token and a frame, whose `/events` polls wait 0.05 s (not 10)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("robot.kiosk.server.LONG_POLL_S", 0.05)
        k = Kiosk(Bus(), ["Pour tea."], port=0, token=TOKEN)
        k.set_frame(b"\x89PNG fake")
        k.start()
        assert k.serving.wait(10)
        yield k
        assert k.running and k.failure is None
        k.stop()


def exchange(k: Kiosk, data: bytes) -> bytes:
    """Send `data`, end our side, and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", k.port), timeout=ANSWER_TIMEOUT_S) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


def check(answer: bytes, *, complete: bool = True) -> int:
    """The answer's status, after checking it is a clean 2xx or 4xx. An incomplete
    request (the body shorter than announced) may get no answer at all."""
    if not answer and not complete:
        return 0
    match = _STATUS.match(answer)
    assert match, answer[:200]
    status = int(match[1])
    assert 200 <= status < 300 or 400 <= status < 500, answer[:500]
    assert b"Traceback" not in answer
    _, _, body = answer.partition(b"\r\n\r\n")
    if status >= 400:
        assert "error" in json.loads(body)
    return status


def still_serving(k: Kiosk) -> None:
    assert k.running and k.failure is None
    ask = f"GET /config HTTP/1.1\r\nHost: 127.0.0.1:{k.port}\r\nX-Kiosk-Token: {TOKEN}\r\n\r\n"
    assert check(exchange(k, ask.encode())) == 200


header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40).map(
    str.strip
)


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "OPTIONS", "HEAD", "PUT", "get", "", "G ET"])
    | st.text(max_size=8),
    target=st.sampled_from(list(ROUTES)) | st.text(max_size=40),
    version=st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/1.1 x", ""]),
    junk=st.binary(max_size=60),
)
def test_request_lines(kiosk, method: str, target: str, version: str, junk: bytes) -> None:
    host = f"Host: 127.0.0.1:{kiosk.port}\r\n\r\n".encode()
    check(exchange(kiosk, f"{method} {target} {version}\r\n".encode() + host))
    check(exchange(kiosk, junk + b"\r\n" + host))
    still_serving(kiosk)


@FUZZ
@given(
    path=st.sampled_from([*ROUTES, "/nope"]),
    method=st.none() | st.sampled_from(["GET", "POST", "OPTIONS"]),  # None: the path's
    # Each header is the page's own, or (when drawn) replaced by a fuzzed value.
    fuzzed=st.fixed_dictionaries(
        {},
        optional={
            "Host": st.sampled_from(["localhost:{port}", "[::1]:{port}", "evil:{port}"])
            | header_text,
            "Origin": st.sampled_from(["http://127.0.0.1:{port}", "http://evil", "null"])
            | header_text,
            "Content-Type": st.sampled_from(["text/plain", "application/json;x"]) | header_text,
            "Content-Length": st.integers(-10, 10**12).map(str) | header_text,
            "X-Kiosk-Token": header_text,
        },
    ),
    body=st.binary(max_size=64) | st.text(max_size=40).map(lambda t: json.dumps({"text": t})),
    extra=st.lists(st.tuples(header_text, header_text), max_size=3),
)
def test_headers(
    kiosk,
    path: str,
    method: str | None,
    fuzzed: dict[str, str],
    body: bytes | str,
    extra: list[tuple[str, str]],
) -> None:
    body = body.encode() if isinstance(body, str) else body
    fields = {
        "Host": "127.0.0.1:{port}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "X-Kiosk-Token": TOKEN,
    } | fuzzed
    lines = [f"{method or ROUTES.get(path, 'GET')} {path} HTTP/1.1"]
    lines += [f"{k}: {v.replace('{port}', str(kiosk.port))}" for k, v in fields.items()]
    lines += [f"{k}: {v}" for k, v in extra]
    length = fields["Content-Length"]
    announced = int(length) if length.isascii() and length.isdigit() else 0
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    check(exchange(kiosk, data), complete=len(body) >= announced)
    still_serving(kiosk)


@FUZZ
@given(
    after=st.integers(-5, 10**20).map(str) | st.text(max_size=30),
    token=st.sampled_from([TOKEN, ""]) | st.text(max_size=20),
    quoted=st.booleans(),
    extra=st.text(max_size=40),
)
def test_query_strings(kiosk, after: str, token: str, quoted: bool, extra: str) -> None:
    def value(text: str) -> str:
        return quote(text, safe="") if quoted else text

    for path in (
        f"/events?after={value(after)}&token={value(token)}",
        f"/?token={value(token)}&{value(extra)}",
        f"/events?{value(extra)}&token={TOKEN}",
    ):
        line = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{kiosk.port}\r\n\r\n"
        check(exchange(kiosk, line.encode()))
    still_serving(kiosk)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@FUZZ
@given(
    sent=json_values
    | st.fixed_dictionaries({"text": json_values})
    | st.fixed_dictionaries({"text": st.text(max_size=400)}),
    raw_body=st.sampled_from([b"", b"{", b'{"text": "\\ud800"}', b"[" * 3000, b"\xff\xfe"])
    | st.binary(max_size=40),
)
def test_json_bodies(kiosk, sent: object, raw_body: bytes) -> None:
    """...and what is published goes over any bus (a network bus sends msgpack)."""
    instructions = kiosk.bus.subscribe(Instruction, policy=fifo(4))
    try:
        for body in (json.dumps(sent).encode(), raw_body):
            head = (
                f"POST /instruction HTTP/1.1\r\nHost: 127.0.0.1:{kiosk.port}\r\n"
                f"Content-Type: application/json\r\nX-Kiosk-Token: {TOKEN}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            assert check(exchange(kiosk, head.encode() + body)) in (200, 400, 413)
            while (published := instructions.poll()) is not None:
                encode_msgpack(published)
    finally:
        instructions.close()
    still_serving(kiosk)
