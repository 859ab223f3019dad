"""A local certificate authority and the broker's TLS certificate, as PEM files.

Made once by ``stack up --secure`` with the ``cryptography`` package, under
``<stack_dir>/secure/``: ``ca.pem`` (what clients trust: ``LEADSTREAM_SSL_CA_LOCATION``),
``ca-key.pem`` (kept to sign again, 0600), ``broker.pem`` (the broker's key and certificate
chain, 0600, read by Kafka as a PEM keystore). The broker certificate names ``127.0.0.1``
and ``localhost``, so clients verify the host as well as the chain.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825
"""Lifetime of the broker certificate (the CA lives ten years)."""


@dataclass(frozen=True)
class StackCerts:
    ca: Path
    ca_key: Path
    broker: Path
    """Private key (PKCS#8, unencrypted) followed by the certificate chain."""


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file only its owner may read (0600 from creation on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "leadstream local stack"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("leadstream local CA"))
            .issuer_name(_name("leadstream local CA")).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def _broker(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
            ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(_name("leadstream broker"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def ensure_certs(folder: Path) -> StackCerts:
    """The CA and broker certificate under ``folder``, made on the first call only."""
    certs = StackCerts(folder / "ca.pem", folder / "ca-key.pem", folder / "broker.pem")
    if certs.ca.is_file() and certs.broker.is_file():
        return certs
    ca_key, ca = _ca()
    key, cert = _broker(ca_key, ca)
    pem = serialization.Encoding.PEM
    write_private(certs.ca_key, _pem_key(ca_key))
    write_private(certs.broker, _pem_key(key) + cert.public_bytes(pem) + ca.public_bytes(pem))
    certs.ca.write_bytes(ca.public_bytes(pem))
    return certs
