"""Who may speak on a cell's bus: certificates for mutual TLS, and an access-control list.

A cell has one certificate authority (CA). `make_cell` creates it and, per host, a key and
a certificate the CA signs, whose Common Name is the host's name. Every process of the
cell opens its Zenoh session with its host's credentials (`Credentials`) and only `tls/`
(or `quic/`) endpoints: a peer without a certificate of the cell's CA cannot open a link,
so it neither sends nor receives anything.

Among the cell's own hosts, `Acl` names who may publish on a few restricted topics (the
brain's host sends `SkillCall`s, the operator's hosts release a stop on `EStop/release`);
every other topic is open to every host of the cell. The list is enforced by the process
that *receives* (Zenoh's ingress flow): a sender controls its own configuration, so only
the receiver's check counts, and each honest process drops a forbidden put on arrival,
before it reaches a subscriber or is forwarded to another peer.

    make_cell(Path("cell"), "expo", ["arm", "brain", "kiosk"])
    backend = ZenohBackend(
        listen=["tls/0.0.0.0:7447"],
        credentials=Credentials.for_host(Path("cell"), "arm"),
        acl=Acl.for_cell(brain=["brain"], operators=["kiosk"]),
    )
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.errors import ConfigError
from core.msgs import ESTOP_RELEASE, MESSAGE_TYPES, EStop, SkillCall

CA_CERT = "ca.pem"
CA_KEY = "ca.key"
CERT_SUFFIX = ".pem"
KEY_SUFFIX = ".key"
PRIVATE_MODE = 0o600
"""Owner read/write only: a key another user of the host can read is no secret."""
DEFAULT_DAYS = 3650
"""Validity of a cell's certificates (days): ten years, since revocation is re-issuing."""
BACKDATE = datetime.timedelta(minutes=5)
"""Certificates start a little in the past, so a host whose clock lags accepts them."""
LOOPBACK_NAMES: tuple[str, ...] = ("localhost", "127.0.0.1")
"""Every host certificate also names the loopback: processes of one host, and tests."""
SECURE_PROTOCOLS = ("tls", "quic")
"""Zenoh link protocols that carry the certificates; any other would bypass them."""

_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
"""A host name is one DNS label: it is also a file name and a certificate's Common Name."""
_KEY_EXPR_SPECIALS = set("*$?#")
_MESSAGE_TYPE_NAMES = frozenset(t.__name__ for t in MESSAGE_TYPES)


def _cell_ca_name(cell: str) -> str:
    return f"{cell} cell CA"


@dataclass(frozen=True)
class HostSpec:
    """A host to certify: its name (the certificate's Common Name) and the other names and
    addresses it is reached by (subjectAltName entries, besides its name and loopback)."""

    name: str
    alt_names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> HostSpec:
        """`arm` or `arm=192.168.1.20,arm.local` (the names other peers connect to it by)."""
        name, _, extra = text.partition("=")
        name = name.strip()
        if not _HOST_NAME.fullmatch(name):
            raise ConfigError(
                f"host {name!r} is not a host name (letters, digits and '-', at most 63)"
            )
        alt_names = tuple(a.strip() for a in extra.split(",") if a.strip())
        for alt in alt_names:
            if not _is_ip(alt) and not re.fullmatch(r"[A-Za-z0-9.-]+", alt):
                raise ConfigError(f"host {name}: {alt!r} is neither an IP address nor a DNS name")
        return cls(name, alt_names)


@dataclass(frozen=True)
class Credentials:
    """The files one host opens its Zenoh session with (PEM): the cell's CA certificate,
    the host's certificate and its private key."""

    ca: Path
    cert: Path
    key: Path

    @classmethod
    def for_host(cls, directory: Path, host: str) -> Credentials:
        """The credentials `make_cell` wrote for `host` in `directory`; ConfigError naming
        the first file missing."""
        credentials = cls(
            directory / CA_CERT,
            directory / f"{host}{CERT_SUFFIX}",
            directory / f"{host}{KEY_SUFFIX}",
        )
        for path in (credentials.ca, credentials.cert, credentials.key):
            if not path.is_file():
                raise ConfigError(
                    f"{path} is missing: the bus credentials of host {host!r} are a CA "
                    f"certificate, a certificate and a key (make them with `robot cell init "
                    f"--host {host} --out {directory}`)"
                )
        return credentials


@dataclass(frozen=True)
class CellFiles:
    """What `make_cell` wrote: the CA's files, each host's credentials, and whether the
    CA is new (False: an existing CA signed the hosts)."""

    ca_cert: Path
    ca_key: Path
    hosts: dict[str, Credentials]
    new_ca: bool


def make_cell(
    out_dir: Path,
    cell: str,
    hosts: Iterable[str | HostSpec],
    *,
    days: int = DEFAULT_DAYS,
    new_ca: bool = False,
) -> CellFiles:
    """Write a cell's CA (`ca.pem`, `ca.key`) and, per host, `<host>.pem` and `<host>.key`.

    An existing CA of the same cell signs the hosts (adding a host keeps the others'
    certificates valid); `new_ca` replaces it, which invalidates every certificate it
    signed. A host's files are re-issued each time it is named. Keys are written mode 0600.
    `hosts`: names, or `name=alt,alt` texts (see `HostSpec.parse`). `days`: validity.
    """
    specs = [h if isinstance(h, HostSpec) else HostSpec.parse(h) for h in hosts]
    if not specs:
        raise ConfigError("a cell needs at least one host")
    if days < 1:
        raise ConfigError(f"certificates must be valid at least a day, got {days}")
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ConfigError(f"a host is named twice: {names}")
    ca_cert_path, ca_key_path = out_dir / CA_CERT, out_dir / CA_KEY
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if ca_key_path.exists() and not new_ca:
            ca_key, ca_cert = _load_ca(ca_cert_path, ca_key_path, cell)
            created = False
        else:
            if ca_cert_path.exists() and not ca_key_path.exists() and not new_ca:
                raise ConfigError(
                    f"{ca_cert_path} exists without its key {ca_key_path}: the CA cannot sign; "
                    "ask for a new CA, `--new-ca` (every host's certificate is then re-issued)"
                )
            ca_key, ca_cert = _new_ca(cell, days)
            _write_private(ca_key_path, _key_pem(ca_key))
            _write_public(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM))
            created = True
        issued = {}
        for spec in specs:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _host_certificate(spec, key, ca_key, ca_cert, days)
            credentials = Credentials(
                ca_cert_path,
                out_dir / f"{spec.name}{CERT_SUFFIX}",
                out_dir / f"{spec.name}{KEY_SUFFIX}",
            )
            _write_private(credentials.key, _key_pem(key))
            _write_public(credentials.cert, cert.public_bytes(serialization.Encoding.PEM))
            issued[spec.name] = credentials
    except OSError as err:
        raise ConfigError(f"cannot write the cell's certificates in {out_dir}: {err}") from err
    return CellFiles(ca_cert_path, ca_key_path, issued, created)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(days: int) -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.UTC)
    return now - BACKDATE, now + datetime.timedelta(days=days)


def _new_ca(cell: str, days: int) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    not_before, not_after = _validity(days)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(_cell_ca_name(cell)))
        .issuer_name(_name(_cell_ca_name(cell)))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        # path_length 0: the CA signs hosts only, never another CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _load_ca(
    cert_path: Path, key_path: Path, cell: str
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    if not cert_path.is_file():
        raise ConfigError(
            f"{key_path} exists but {cert_path} is missing: restore it, or ask for a new CA "
            "(`--new-ca`)"
        )
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError as err:
        raise ConfigError(f"{key_path} or {cert_path} is not a PEM key/certificate: {err}") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"{key_path} is not an EC private key")
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    expected = _cell_ca_name(cell)
    if [a.value for a in common_names] != [expected]:
        found = ", ".join(str(a.value) for a in common_names) or "no name"
        raise ConfigError(
            f"{cert_path} is the CA of {found!r}, not {expected!r}: refusing to replace "
            f"{key_path} (another cell's directory? a new CA, `--new-ca`, invalidates "
            "every certificate the old one signed)"
        )
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise ConfigError(f"{key_path} is not the key of {cert_path}")
    return key, cert


def _host_certificate(
    spec: HostSpec,
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    days: int,
) -> x509.Certificate:
    not_before, not_after = _validity(days)
    alt: list[x509.GeneralName] = []
    for name in dict.fromkeys((spec.name, *LOOPBACK_NAMES, *spec.alt_names)):
        alt.append(
            x509.IPAddress(ipaddress.ip_address(name)) if _is_ip(name) else x509.DNSName(name)
        )
    ca_public = ca_key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(_name(spec.name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(not_before, ca_cert.not_valid_before_utc))
        .not_valid_after(min(not_after, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        # Both: in a peer-to-peer cell every host both listens (server) and connects (client).
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write through a file created 0600 and renamed: the key is never readable by others,
    not even for the moment between creating and restricting it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, PRIVATE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_public(path: Path, data: bytes) -> None:
    path.write_bytes(data)


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
            if not _HOST_NAME.fullmatch(host):
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
                if not _HOST_NAME.fullmatch(host):
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
