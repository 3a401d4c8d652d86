#!/usr/bin/env python3
"""A real RFC 3161 timestamp authority for tests and for trying seloste without a public TSA.

It answers on 127.0.0.1 with `openssl ts -reply`, signing with a TSA certificate issued by
a test CA (extendedKeyUsage critical timeStamping), both made with openssl in --dir on
first use. It prints its base URL on the first line of standard output, then serves until
--max-seconds have passed or it is killed.

    python3 tests/tsa_server.py --dir /tmp/tsa
    seloste batch samples -o out --test-key out/test-key --tsa http://127.0.0.1:PORT/
    seloste verify out/*.pdf --trust out/test-key/ca.pem --trust /tmp/tsa/tsa-ca.pem

Each granted request adds a line to requests.log in --dir, for tests that count requests.

With --pki, every certificate names a CRL distribution point on this server
(/crl/tsa-ca.crl, /crl/signing-ca.crl), which it serves, and --dir also gets a signing CA
(signing-ca.pem) with two signers for PAdES B-LT tests: signer.pem / signer.key, and
revoked.pem / revoked.key, which the signing CA's CRL lists as revoked.
Paths other than / answer badly on purpose, for tests of the client's checks:
/http-error (HTTP 500), /reject (status rejection), /garbage (not DER),
/wrong-imprint (a token over other data), /wrong-nonce (a token for another request),
/no-chain (a good token that carries the TSA's certificate but not its CA's),
/slow (answers after 30 s).
"""

import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time

TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa-ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

TSA_EXTENSIONS = """
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
"""


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


SIGNER_EXTENSIONS = """
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
"""


def make_ca(path, name, subject):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path(f"{name}.key"), "-out", path(f"{name}.pem"), "-days", "3650",
            "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    os.chmod(path(f"{name}.key"), 0o600)


def issue(path, name, ca, subject, extensions):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path(f"{name}.key"), "-out", path(f"{name}.csr"), "-subj", subject)
    with open(path(f"{name}.ext"), "w") as out:
        out.write(extensions)
    openssl("x509", "-req", "-in", path(f"{name}.csr"), "-CA", path(f"{ca}.pem"), "-CAkey", path(f"{ca}.key"),
            "-CAcreateserial", "-out", path(f"{name}.pem"), "-days", "3650", "-extfile", path(f"{name}.ext"))
    os.chmod(path(f"{name}.key"), 0o600)


def make_crl(path, ca, revoked_names):
    """The CA's CRL (DER) in crl-<ca>.crl, listing the certificates named as revoked."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    ca_cert = x509.load_pem_x509_certificate(open(path(f"{ca}.pem"), "rb").read())
    ca_key = serialization.load_pem_private_key(open(path(f"{ca}.key"), "rb").read(), password=None)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
               .last_update(now - datetime.timedelta(days=1)).next_update(now + datetime.timedelta(days=30))
               .add_extension(x509.CRLNumber(1), critical=False))
    for name in revoked_names:
        certificate = x509.load_pem_x509_certificate(open(path(f"{name}.pem"), "rb").read())
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(certificate.serial_number)
            .revocation_date(now - datetime.timedelta(days=1)).build())
    crl = builder.sign(ca_key, hashes.SHA256())
    with open(path(f"crl-{ca}.crl"), "wb") as out:
        out.write(crl.public_bytes(serialization.Encoding.DER))


def make_pki(directory, base_url):
    """The TSA, a signing CA and its signers, every certificate naming its CA's CRL here."""
    os.makedirs(directory, exist_ok=True)
    path = lambda name: os.path.join(directory, name)
    point = lambda ca: f"crlDistributionPoints = URI:{base_url}/crl/{ca}.crl\n"
    make_ca(path, "tsa-ca", "/O=seloste tests/CN=TEST TSA CA")
    issue(path, "tsa", "tsa-ca", "/O=seloste tests/CN=TEST TSA", TSA_EXTENSIONS + point("tsa-ca"))
    make_ca(path, "signing-ca", "/O=seloste tests/CN=TEST SIGNING CA")
    issue(path, "signer", "signing-ca", "/O=seloste tests/CN=TEST LONG-TERM SIGNER",
          SIGNER_EXTENSIONS + point("signing-ca"))
    issue(path, "revoked", "signing-ca", "/O=seloste tests/CN=TEST REVOKED SIGNER",
          SIGNER_EXTENSIONS + point("signing-ca"))
    make_crl(path, "tsa-ca", [])
    make_crl(path, "signing-ca", ["revoked"])


def make_material(directory):
    """A test CA and a TSA certificate issued by it, unless they exist already."""
    os.makedirs(directory, exist_ok=True)
    path = lambda name: os.path.join(directory, name)
    if not os.path.exists(path("tsa.pem")):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", path("tsa-ca.key"), "-out", path("tsa-ca.pem"), "-days", "3650",
                "-subj", "/O=seloste tests/CN=TEST TSA CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", path("tsa.key"), "-out", path("tsa.csr"), "-subj", "/O=seloste tests/CN=TEST TSA")
        with open(path("tsa.ext"), "w") as extensions:
            extensions.write(TSA_EXTENSIONS)
        openssl("x509", "-req", "-in", path("tsa.csr"), "-CA", path("tsa-ca.pem"), "-CAkey", path("tsa-ca.key"),
                "-CAcreateserial", "-out", path("tsa.pem"), "-days", "3650", "-extfile", path("tsa.ext"))
        os.chmod(path("tsa.key"), 0o600)
        os.chmod(path("tsa-ca.key"), 0o600)
    with open(path("tsa.cnf"), "w") as config:
        config.write(TSA_CONFIG.format(dir=directory))
    with open(path("tsa-no-chain.cnf"), "w") as config:
        config.write(TSA_CONFIG.format(dir=directory).replace("certs = $dir/tsa-ca.pem\n", ""))
    if not os.path.exists(path("tsaserial")):
        with open(path("tsaserial"), "w") as serial:
            serial.write("01\n")


# openssl ts -reply reads and rewrites the serial file: one reply at a time.
REPLY_LOCK = threading.Lock()


def reply(directory, query, config="tsa.cnf"):
    """The TSA's DER reply to a DER query."""
    with REPLY_LOCK, tempfile.TemporaryDirectory() as work:
        query_path = os.path.join(work, "query.tsq")
        with open(query_path, "wb") as out:
            out.write(query)
        return openssl("ts", "-reply", "-config", os.path.join(directory, config), "-queryfile", query_path)


def query_for(data):
    """A new query over `data`, with a fresh nonce."""
    with tempfile.TemporaryDirectory() as work:
        data_path = os.path.join(work, "data")
        with open(data_path, "wb") as out:
            out.write(data)
        return openssl("ts", "-query", "-data", data_path, "-sha256", "-cert")


def with_other_nonce(query):
    """The same query with another nonce, so that the reply answers a different request."""
    from asn1crypto import tsp

    request = tsp.TimeStampReq.load(query)
    request["nonce"] = (request["nonce"].native or 0) + 1
    return request.dump(force=True)


def handler_for(directory):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body, content_type="application/timestamp-reply"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            name = self.path[len("/crl/"):] if self.path.startswith("/crl/") else ""
            crl = os.path.join(directory, f"crl-{name}")
            if name in ("tsa-ca.crl", "signing-ca.crl") and os.path.exists(crl):
                self.answer(200, open(crl, "rb").read(), "application/pkix-crl")
            else:
                self.answer(404, b"unknown path", "text/plain")

        def do_POST(self):
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            mode = self.path.strip("/")
            try:
                if mode == "":
                    self.answer(200, reply(directory, query))
                    with REPLY_LOCK, open(os.path.join(directory, "requests.log"), "a") as log:
                        log.write(f"{len(query)}\n")
                elif mode == "no-chain":
                    self.answer(200, reply(directory, query, "tsa-no-chain.cnf"))
                elif mode == "http-error":
                    self.answer(500, b"internal error", "text/plain")
                elif mode == "reject":
                    # TimeStampResp { status PKIStatusInfo { status rejection(2) } }
                    self.answer(200, bytes([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]))
                elif mode == "garbage":
                    self.answer(200, b"this is not a timestamp response")
                elif mode == "wrong-imprint":
                    self.answer(200, reply(directory, query_for(b"some other data")))
                elif mode == "wrong-nonce":
                    self.answer(200, reply(directory, with_other_nonce(query)))
                elif mode == "slow":
                    time.sleep(30)
                    self.answer(200, reply(directory, query))
                else:
                    self.answer(404, b"unknown path", "text/plain")
            except (subprocess.CalledProcessError, BrokenPipeError, ConnectionResetError) as error:
                try:
                    self.answer(500, str(error).encode(), "text/plain")
                except (BrokenPipeError, ConnectionResetError):
                    pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, help="folder for the TSA's certificates and keys")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop after this long")
    parser.add_argument("--stop-on-eof", action="store_true", help="stop when standard input closes (for tests)")
    parser.add_argument("--pki", action="store_true", help="certificates with CRLs served here, and signers")
    arguments = parser.parse_args()
    directory = os.path.abspath(arguments.dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), handler_for(directory))
    server.daemon_threads = True
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    if arguments.pki:
        make_pki(directory, base_url)
    make_material(directory)
    print(base_url, flush=True)
    deadline = threading.Timer(arguments.max_seconds, server.shutdown)
    deadline.daemon = True
    deadline.start()
    if arguments.stop_on_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
