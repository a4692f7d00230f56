"""A cell's certificates: its own certificate authority, and a key and certificate per host.

`make_cell` creates the cell's CA (once) and, per host, a key and a certificate the CA
signs, whose Common Name is the host's name; `Credentials` finds a host's files. The bus
uses them for mutual TLS (robot/bus_security.py): a peer without a certificate of the
cell's CA cannot open a link. `robot cell init` is the command.

    make_cell(Path("cell"), "expo", ["arm", "brain", "kiosk"])
    Credentials.for_host(Path("cell"), "arm")
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.errors import ConfigError

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

HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
"""A host name is one DNS label: it is also a file name and a certificate's Common Name."""


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
        if not HOST_NAME.fullmatch(name):
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
