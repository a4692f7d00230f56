"""Who may use a web service of the cell: the `Host`, `Origin` and token rules shared by
the kiosk (robot/kiosk/server.py) and the live view (robot/live/gate.py).

Any web page a browser on the same machine or network shows can make requests to
these servers, so a request is refused when:

- `Host` is not one of the server's names: `localhost`, an IP address, or a name the
  launch file lists (e.g. `kiosk.local`). This stops DNS rebinding, where a foreign page
  re-points its own name at this machine to become "same-origin" with us; an IP
  address cannot be re-pointed, so any is accepted, and a name must be listed;
- `Origin` is present and is neither `http://` plus the request's own `Host` nor one
  of the origins the launch file lists (the live view's `[live] origins`, e.g. the
  Foxglove web app's `https://app.foxglove.dev`): another page's script, another port on
  this machine included. A request without `Origin` is not from a page's script on
  another site (browsers send it with every cross-origin request, every POST and every
  WebSocket handshake), so it is let in;
- the token is missing or wrong, when the server has one. Off loopback a token is
  required (`require_token_off_loopback`), so a visitor's phone on the expo Wi-Fi
  reaches nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import ConfigError

HTTP_PORT = 80
"""The port of a Host or Origin that names none."""
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_AUTHORITY = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")
_ORIGIN = re.compile(r"http://(?P<authority>[^/]+)")
_LISTED_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authority(value: str) -> tuple[str, int] | None:
    """(name, port) of a `Host` header or an origin's host part; None if malformed.
    Names are lower case; IPv6 addresses keep their brackets."""
    match = _AUTHORITY.fullmatch(value.lower())
    if match is None:
        return None
    port = int(match["port"]) if match["port"] else HTTP_PORT
    return (match["name"], port) if port <= 65535 else None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def origin_authority(value: str) -> tuple[str, int] | None:
    """(name, port) of an `http://` origin; None for another scheme or a malformed one."""
    match = _ORIGIN.fullmatch(value.lower())
    return None if match is None else authority(match["authority"])


def require_token_off_loopback(host: str, token: str | None, key: str) -> None:
    """Raise `ConfigError` naming `key` when a server bound to `host` has no token."""
    if not is_loopback(host) and not token:
        raise ConfigError(f"serving on {host}, not loopback, needs a token ({key})")


@dataclass(frozen=True)
class WebAccess:
    """The rules of the module docstring for one server.

    names: host names besides `localhost` and IP addresses that browsers may use.
    origins: page origins (scheme://host[:port]) allowed besides the server's own.
    token: required on every request when set. what: the server's name in refusals.
    """

    names: frozenset[str]
    origins: frozenset[str] = frozenset()
    token: str | None = None
    what: str = "server"

    @classmethod
    def of(
        cls,
        hosts: Sequence[str],
        *,
        token: str | None = None,
        origins: Sequence[str] = (),
        key: str = "hosts",
        what: str = "server",
    ) -> WebAccess:
        """Checked rules: raises `ConfigError` naming `key` (e.g. `[kiosk] hosts`) for a
        name that is not a host name, or `key`'s sibling `origins` for a bad origin."""
        for name in hosts:
            if not _HOST_NAME.fullmatch(name.lower()):
                raise ConfigError(
                    f"{key}: {name!r} is not a host name (write e.g. 'kiosk.local', "
                    "without scheme or port)"
                )
        for origin in origins:
            if not _LISTED_ORIGIN.fullmatch(origin.lower()):
                raise ConfigError(
                    f"{key.replace('hosts', 'origins')}: {origin!r} is not an origin "
                    "(write e.g. 'https://app.foxglove.dev', without a path)"
                )
        return cls(
            names=frozenset({"localhost", *(name.lower() for name in hosts)}),
            origins=frozenset(o.lower() for o in origins),
            token=token or None,
            what=what,
        )

    def page_refusal(self, host_header: str | None, origin_header: str | None) -> str | None:
        """Why a request with these `Host` and `Origin` headers is refused, or None."""
        host = authority(host_header or "")
        if host is None or not (host[0] in self.names or is_ip(host[0])):
            return (
                f"the Host header is not one of the {self.what}'s names (localhost, an IP "
                "address, or a listed name)"
            )
        if origin_header is not None:
            if origin_header.lower().rstrip("/") in self.origins:
                return None
            if origin_authority(origin_header) != host:
                return "requests from other web pages are refused"
        return None

    def token_refusal(self, given: str | None) -> str | None:
        """Why a request carrying token `given` is refused, or None."""
        if self.token and not hmac.compare_digest((given or "").encode(), self.token.encode()):
            return "missing or wrong token"
        return None
