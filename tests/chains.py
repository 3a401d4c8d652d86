#!/usr/bin/env python3
"""Makes hand-built certificate chains for the path-validation tests, good and bad.

    python3 tests/chains.py OUT_DIR

Writes OUT_DIR/root.pem and OUT_DIR/root-pathlen0.pem (trust anchors), and for each case
OUT_DIR/<case>/{key.pem,cert.pem,chain.pem}: the signer's key, its certificate, and the
certificates a signature carries besides it. The cases are the ways a chain can break
RFC 5280 path validation; `good` and `good-intermediate` are the controls that must pass.
Keys are made here, at test time, and never kept.
"""

import datetime
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
LONG_AGO = NOW - datetime.timedelta(days=365)
FAR_AHEAD = NOW + datetime.timedelta(days=3650)


def name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "seloste chain tests"),
    ])


def key_usage(**set_usages):
    usages = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                  data_encipherment=False, key_agreement=False, key_cert_sign=False,
                  crl_sign=False, encipher_only=False, decipher_only=False)
    usages.update(set_usages)
    return x509.KeyUsage(**usages)


def certificate(subject, key, issuer_name, issuer_key, *, ca, path_length=None, usage=None,
                eku=None, extra=(), not_before=LONG_AGO, not_after=FAR_AHEAD):
    builder = (x509.CertificateBuilder()
               .subject_name(name(subject))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before)
               .not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True))
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    for extension, critical in extra:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def write_case(out, case, key, cert, chain):
    folder = out / case
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "key.pem").chmod(0o600)
    (folder / "cert.pem").write_bytes(pem(cert))
    (folder / "chain.pem").write_bytes(b"".join(pem(c) for c in chain))


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    signer_usage = key_usage(digital_signature=True, content_commitment=True)
    ca_usage = key_usage(key_cert_sign=True, crl_sign=True)

    root_key = new_key()
    root = certificate("Chain Test Root CA", root_key, name("Chain Test Root CA"), root_key, ca=True, usage=ca_usage)
    (out / "root.pem").write_bytes(pem(root))

    def signer(subject, issuer, issuer_key, **options):
        key = new_key()
        options.setdefault("usage", signer_usage)
        return key, certificate(subject, key, issuer.subject, issuer_key, ca=options.pop("ca", False), **options)

    def intermediate(subject, issuer, issuer_key, **options):
        key = new_key()
        options.setdefault("usage", ca_usage)
        return key, certificate(subject, key, issuer.subject, issuer_key, ca=True, **options)

    key, cert = signer("Good Signer", root, root_key, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    write_case(out, "good", key, cert, [])

    ca_key, ca = intermediate("Good Intermediate CA", root, root_key)
    key, cert = signer("Good Signer Under Intermediate", ca, ca_key)
    write_case(out, "good-intermediate", key, cert, [ca])

    # Whoever holds a real signing certificate signs a certificate in any name with its key.
    holder_key, holder = signer("Real Holder", root, root_key)
    key, cert = signer("Forged Mayor", holder, holder_key)
    write_case(out, "end-entity-as-ca", key, cert, [holder])

    weak_ca_key, weak_ca = intermediate("CA Without keyCertSign", root, root_key,
                                        usage=key_usage(digital_signature=True))
    key, cert = signer("Signer Under Weak CA", weak_ca, weak_ca_key)
    write_case(out, "issuer-without-keycertsign", key, cert, [weak_ca])

    limited_key = new_key()
    limited_root = certificate("Chain Test Root CA pathlen 0", limited_key, name("Chain Test Root CA pathlen 0"),
                               limited_key, ca=True, path_length=0, usage=ca_usage)
    (out / "root-pathlen0.pem").write_bytes(pem(limited_root))
    deep_ca_key, deep_ca = intermediate("Intermediate Under pathlen 0", limited_root, limited_key)
    key, cert = signer("Signer Too Deep", deep_ca, deep_ca_key)
    write_case(out, "path-length", key, cert, [deep_ca])

    key, cert = signer("Web Server", root, root_key, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    write_case(out, "server-auth-only", key, cert, [])

    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1.1"), b"\x05\x00")
    key, cert = signer("Signer With Unknown Critical Extension", root, root_key, extra=[(unknown, True)])
    write_case(out, "unknown-critical-extension", key, cert, [])

    key, cert = signer("Encryption Only", root, root_key, usage=key_usage(key_encipherment=True))
    write_case(out, "key-usage-encryption-only", key, cert, [])

    old_ca_key, old_ca = intermediate("Expired Intermediate CA", root, root_key,
                                      not_before=NOW - datetime.timedelta(days=800),
                                      not_after=NOW - datetime.timedelta(days=400))
    key, cert = signer("Signer Under Expired CA", old_ca, old_ca_key)
    write_case(out, "expired-intermediate", key, cert, [old_ca])

    # Signed with the intermediate's key, but naming another issuer.
    key = new_key()
    cert = certificate("Signer With Wrong Issuer Name", key, name("Someone Else CA"), ca_key, ca=False, usage=signer_usage)
    write_case(out, "issuer-name-mismatch", key, cert, [ca])

    key, cert = signer("A CA Signing Documents", root, root_key, ca=True, usage=key_usage(digital_signature=True, key_cert_sign=True))
    write_case(out, "ca-as-signer", key, cert, [])


if __name__ == "__main__":
    main()
