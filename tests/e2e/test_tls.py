"""TLS on the listener (docs/operations.md "TLS"): tls_listen serves every route over https and
wss with the certificate of tls_cert_file / tls_key_file; TLS 1.2+ only with AEAD suites;
SIGHUP re-reads the files (new connections get the new certificate, open ones keep going, a
broken file keeps the running one); unusable files stop the start with the key's name."""

import hashlib
import signal
import socket
import ssl
import subprocess
import time

import pytest

from expect import call_ok, fail
from util import free_port
from ws_client import WsClient, text_body


def make_cert(directory, name, days=2):
    """A self-signed P-256 certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(days),
         "-subj", f"/CN={name}", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def not_after(cert):
    out = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", str(cert)],
                         check=True, capture_output=True, text=True).stdout
    stamp = out.strip().split("=", 1)[1]
    return int(time.mktime(time.strptime(stamp, "%b %d %H:%M:%S %Y GMT")) - time.timezone)


def client_context(cafile=None, **versions):
    ctx = ssl.create_default_context(cafile=str(cafile)) if cafile else \
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not cafile:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    for k, v in versions.items():
        setattr(ctx, k, v)
    return ctx


def handshake(port, ctx):
    """(TLS version, cipher name, SHA-256 of the server's certificate) of one new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.version(), tls.cipher()[0], hashlib.sha256(
                tls.getpeercert(binary_form=True)).hexdigest()


def fingerprint(cert):
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    return hashlib.sha256(der).hexdigest()


@pytest.fixture
def tls_chatd(chatd_factory, tmp_path):
    cert, key = make_cert(tmp_path, "first")
    port = free_port()
    chatd = chatd_factory(tls_listen=f"127.0.0.1:{port}", tls_cert_file=cert, tls_key_file=key)
    chatd.tls_port, chatd.cert, chatd.key = port, cert, key
    chatd.https = f"https://127.0.0.1:{port}"
    return chatd


def https_rest(chatd, cafile):
    rest = chatd.rest()
    rest.base_url = chatd.https
    rest.session.verify = str(cafile)
    rest.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    return rest


def test_rest_and_websocket_over_tls(tls_chatd):
    """Accounts imported over https; alice and bob chat over wss; the plain port still works;
    the answer is verified against the configured certificate."""
    rest = https_rest(tls_chatd, tls_chatd.cert)
    call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
    assert rest.last.url.startswith("https://")
    sslopt = {"ca_certs": str(tls_chatd.cert)}
    alice = WsClient.login_as(tls_chatd.https, "alice", sslopt=sslopt)
    bob = WsClient.login_as(tls_chatd.https, "bob", sslopt=sslopt)
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("over tls"), "random": 7})
    assert "over tls" in str(bob.wait_event("onRecvNewMessage"))
    plain = tls_chatd.rest()
    assert call_ok(plain, "im_open_login_svc/account_check",
                   {"CheckItem": [{"UserID": "bob"}]})["ResultItem"][0]["AccountStatus"] == \
        "Imported"


def test_oversized_body_over_tls_gets_60008(tls_chatd):
    """The body limit reads what TLS decrypted: an oversized body over https gets 60008 and a
    request within the limit on a new connection is served."""
    rest = https_rest(tls_chatd, tls_chatd.cert)
    body = {"Accounts": ["alice"], "pad": "x" * (1 << 20)}  # max_body_bytes: 1 MiB
    rest.call("im_open_login_svc/multiaccount_import", body)
    fail(rest.last, 60008)
    call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": ["alice"]})


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_modern_protocols_only(tls_chatd):
    """TLS 1.3 by default; TLS 1.2 gets an ECDHE AEAD suite; TLS 1.1 and 1.0 are refused."""
    version, _, _ = handshake(tls_chatd.tls_port, client_context())
    assert version == "TLSv1.3"
    version, cipher, _ = handshake(tls_chatd.tls_port, client_context(
        maximum_version=ssl.TLSVersion.TLSv1_2))
    assert version == "TLSv1.2" and cipher.startswith("ECDHE-") and \
        ("GCM" in cipher or "CHACHA20" in cipher)
    old = client_context(maximum_version=ssl.TLSVersion.TLSv1_1,
                         minimum_version=ssl.TLSVersion.TLSv1)
    old.set_ciphers("ALL:@SECLEVEL=0")
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        handshake(tls_chatd.tls_port, old)
    # A client that speaks plain HTTP to the TLS port gets no answer in clear text.
    with socket.create_connection(("127.0.0.1", tls_chatd.tls_port), timeout=5) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        got = raw.recv(100)
        assert not got.startswith(b"HTTP/1.1 200")


def test_sighup_reloads_the_certificate(tls_chatd, tmp_path):
    """After SIGHUP new connections get the new certificate and an open wss session keeps
    working; a broken file on the next SIGHUP is refused and the running certificate stays."""
    call_ok(tls_chatd.rest(), "im_open_login_svc/multiaccount_import",
            {"Accounts": ["alice", "bob"]})
    ctx = client_context()
    assert handshake(tls_chatd.tls_port, ctx)[2] == fingerprint(tls_chatd.cert)
    alice = WsClient.login_as(tls_chatd.https, "alice", sslopt={"cert_reqs": ssl.CERT_NONE})

    second, second_key = make_cert(tmp_path, "second", days=5)
    tls_chatd.cert.write_bytes(second.read_bytes())
    tls_chatd.key.write_bytes(second_key.read_bytes())
    tls_chatd.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while handshake(tls_chatd.tls_port, ctx)[2] != fingerprint(second):
        assert time.monotonic() < deadline, "the new certificate was not served"
        time.sleep(0.05)
    assert "TLS certificate reloaded" in tls_chatd.log()
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("still here"),
                               "random": 9})
    metrics = tls_chatd.rest().session.get(f"{tls_chatd.url}/metrics", timeout=5).text
    assert f"chatd_tls_certificate_expiry_timestamp_seconds {not_after(second)}" in metrics

    tls_chatd.key.write_text("not a key\n")
    tls_chatd.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "TLS reload refused" not in tls_chatd.log():
        assert time.monotonic() < deadline, "the broken key was not reported"
        time.sleep(0.05)
    assert "tls_key_file" in tls_chatd.log().split("TLS reload refused", 1)[1].splitlines()[0]
    assert handshake(tls_chatd.tls_port, ctx)[2] == fingerprint(second)


@pytest.mark.parametrize("case, words", [
    ("missing cert", ["tls_cert_file", "cannot load"]),
    ("key of another cert", ["tls_key_file", "mismatch"]),
    ("no files", ["tls_listen", "needs"]),
    ("bad address", ["tls_listen", "HOST:PORT"]),
])
def test_unusable_tls_settings_stop_the_start(chatd_factory, tmp_path, case, words):
    cert, key = make_cert(tmp_path, "a")
    _, other_key = make_cert(tmp_path, "b")
    keys = {"tls_listen": f"127.0.0.1:{free_port()}", "tls_cert_file": cert,
            "tls_key_file": key}
    if case == "missing cert":
        keys["tls_cert_file"] = tmp_path / "nothing.crt"
    elif case == "key of another cert":
        keys["tls_key_file"] = other_key
    elif case == "no files":
        keys["tls_cert_file"] = keys["tls_key_file"] = None
    else:
        keys["tls_listen"] = "no-port"
    chatd = chatd_factory(start=False, **keys)
    assert chatd.run_to_exit() != 0
    log = chatd.log()
    for word in words:
        assert word in log, (word, log[-2000:])
