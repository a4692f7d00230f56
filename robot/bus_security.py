"""Who may speak on a cell's bus: mutual TLS with the cell's certificates, and an
access-control list.

Every process of a cell opens its Zenoh session with its host's credentials
(robot/cell/certificates.py) and only `tls/` (or `quic/`) endpoints: a peer without a
certificate of the cell's CA cannot open a link, so it neither sends nor receives
anything.

Among the cell's own hosts, `Acl` names who may publish on a few restricted topics (the
brain's host sends `SkillCall`s, the operator's hosts release a stop on `EStop/release`)
and, optionally, which hosts take part at all; every other topic is open to every member.
The list is enforced by the process that *receives* (Zenoh's ingress flow): a sender
controls its own configuration, so only the receiver's check counts, and each honest
process drops a forbidden put on arrival, before it reaches a subscriber or is forwarded
to another peer.

    backend = ZenohBackend(
        listen=["tls/0.0.0.0:7447"],
        credentials=Credentials.for_host(Path("cell"), "arm"),
        acl=Acl.for_cell(brain=["brain"], operators=["kiosk"]),
    )
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ConfigError
from core.msgs import ESTOP_RELEASE, MESSAGE_TYPES, EStop, SkillCall
from robot.cell.certificates import HOST_NAME, Credentials

SECURE_PROTOCOLS = ("tls", "quic")
"""Zenoh link protocols that carry the certificates; any other would bypass them."""

_KEY_EXPR_SPECIALS = set("*$?#")
_MESSAGE_TYPE_NAMES = frozenset(t.__name__ for t in MESSAGE_TYPES)


PUBLISH_MESSAGES = ("put",)
"""The Zenoh message a peer publishes with (the bus never sends deletes: none is let in)."""
CONTROL_MESSAGES = (
    "declare_subscriber",
    "declare_queryable",
    "query",
    "reply",
    "liveliness_token",
    "liveliness_query",
    "declare_liveliness_subscriber",
)
"""Zenoh messages that publish nothing a layer acts on: let through both ways."""


@dataclass(frozen=True)
class Acl:
    """Which hosts (certificate Common Names) may publish on which restricted topics.

    `restricted` maps a topic key (`Topic.key`: "SkillCall", "EStop/release") to the hosts
    allowed to publish it; an empty tuple lets no peer publish it. A restriction covers the
    topic and any topic below it ("SkillCall" also "SkillCall/x"). Every other topic of a
    message type in `core.msgs` may be published by every host of the cell, with one
    exception: a type with a restricted topic below it ("EStop" above "EStop/release") is
    open on its default topic only. A process's own publications are never filtered.
    """

    restricted: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    members: tuple[str, ...] = ()
    """The hosts of the cell that take part at all (a launch file's [hosts]); () for every
    host with the cell's certificate. A certificate of the cell whose host is not a member
    (one retired, or made for a test) then links to nothing: it publishes nothing that is
    taken in, and is sent nothing, camera frames included."""

    def __post_init__(self) -> None:
        for host in self.members:
            if not HOST_NAME.fullmatch(host):
                raise ConfigError(f"ACL member {host!r} is not a host name")
        for key, hosts in self.restricted.items():
            chunks = key.split("/")
            if not all(chunks) or _KEY_EXPR_SPECIALS & set(key):
                raise ConfigError(f"ACL topic {key!r} is not a topic key such as 'SkillCall'")
            if chunks[0] not in _MESSAGE_TYPE_NAMES:
                raise ConfigError(
                    f"ACL topic {key!r}: {chunks[0]!r} is not a message type of core.msgs"
                )
            if isinstance(hosts, str):
                raise ConfigError(f"ACL topic {key!r}: give a list of hosts, not {hosts!r}")
            for host in hosts:
                if not HOST_NAME.fullmatch(host):
                    raise ConfigError(f"ACL topic {key!r}: {host!r} is not a host name")

    @classmethod
    def for_cell(
        cls, brain: Iterable[str], operators: Iterable[str], members: Iterable[str] = ()
    ) -> Acl:
        """The cell's usual list: only `brain` hosts send skill calls, only `operators`
        release a stop (any member may engage one); `members`, if given, the only hosts
        that take part."""
        return cls(
            {
                SkillCall.__name__: tuple(brain),
                f"{EStop.__name__}/{ESTOP_RELEASE}": tuple(operators),
            },
            tuple(members),
        )

    def open_key_exprs(self, prefix: str) -> list[str]:
        """The key expressions every host of the cell may publish on.

        Spelled out type by type, never as a wildcard over restricted ones: Zenoh checks a
        put's own key expression against the rules, and a put may carry a wildcard
        (`robot/*` reaches the `robot/SkillCall` subscriber). Only a rule that includes the
        whole of `robot/*` lets that through, and no rule here does.
        """
        exprs = []
        for type_ in MESSAGE_TYPES:
            name = type_.__name__
            if name in self.restricted:
                continue
            exprs.append(f"{prefix}/{name}")
            if not any(key.startswith(f"{name}/") for key in self.restricted):
                exprs.append(f"{prefix}/{name}/**")
        return exprs

    def zenoh_config(self, prefix: str) -> dict[str, Any]:
        """Zenoh's `access_control` section for a bus whose keys start with `prefix`.

        Deny by default. Every peer on a tls or quic link may send anything out,
        exchange the messages that publish nothing (`CONTROL_MESSAGES`), and have its puts
        on the open topics let in; each listed host also has its puts on its restricted
        topics let in. Zenoh lets a message in when any subject the sender matches allows
        it, so a listed host gets the union.
        """

        def rule(
            rule_id: str, messages: Iterable[str], flows: list[str], exprs: list[str]
        ) -> dict[str, Any]:
            return {
                "id": rule_id,
                "messages": list(messages),
                "flows": flows,
                "permission": "allow",
                "key_exprs": exprs,
            }

        rules = [
            rule("send", [*PUBLISH_MESSAGES, "delete"], ["egress"], ["**"]),
            rule("control", CONTROL_MESSAGES, ["ingress", "egress"], ["**"]),
            rule("open", PUBLISH_MESSAGES, ["ingress"], self.open_key_exprs(prefix)),
        ]
        # Only links that carry a certificate: a plain tcp link (a listener left open by
        # mistake) matches no subject, and so gets the default, deny.
        secure = list(SECURE_PROTOCOLS)
        cell: dict[str, Any] = {"id": "cell", "link_protocols": secure}
        if self.members:  # both must match: a member's certificate, on a secure link
            cell["cert_common_names"] = list(self.members)
        subjects: list[dict[str, Any]] = [cell]
        policies = [{"id": "cell", "rules": ["send", "control", "open"], "subjects": ["cell"]}]
        hosts = sorted({h for allowed in self.restricted.values() for h in allowed})
        for i, host in enumerate(hosts):
            keys = [k for k, allowed in self.restricted.items() if host in allowed]
            exprs = [e for k in keys for e in (f"{prefix}/{k}", f"{prefix}/{k}/**")]
            rules.append(rule(f"host{i}", PUBLISH_MESSAGES, ["ingress"], exprs))
            subjects.append(
                {"id": f"host{i}", "cert_common_names": [host], "link_protocols": secure}
            )
            policies.append({"id": f"host{i}", "rules": [f"host{i}"], "subjects": [f"host{i}"]})
        return {
            "enabled": True,
            "default_permission": "deny",
            "rules": rules,
            "subjects": subjects,
            "policies": policies,
        }


def secure_endpoint_problem(endpoint: str) -> str | None:
    """Why `endpoint` would bypass the certificates, or None if it carries them."""
    protocol = endpoint.partition("/")[0]
    if protocol not in SECURE_PROTOCOLS:
        return (
            f"uses {protocol!r}, which carries no certificate: with credentials every endpoint "
            f"must be {' or '.join(p + '/' for p in SECURE_PROTOCOLS)} (e.g. tls/host:7447)"
        )
    return None


def configure(
    zenoh_config: Any, credentials: Credentials | None, acl: Acl | None, prefix: str
) -> None:
    """Fill a `zenoh.Config` with mutual TLS from `credentials` and the ACL from `acl`."""
    if credentials is not None:
        tls = {
            "root_ca_certificate": str(credentials.ca),
            "listen_certificate": str(credentials.cert),
            "listen_private_key": str(credentials.key),
            "connect_certificate": str(credentials.cert),
            "connect_private_key": str(credentials.key),
            # Ask the connecting peer for its certificate too: without it a listener would
            # accept anyone, and the ACL could not tell hosts apart.
            "enable_mtls": True,
            "verify_name_on_connect": True,
        }
        for name, value in tls.items():
            zenoh_config.insert_json5(f"transport/link/tls/{name}", json.dumps(value))
    if acl is not None:
        zenoh_config.insert_json5("access_control", json.dumps(acl.zenoh_config(prefix)))
