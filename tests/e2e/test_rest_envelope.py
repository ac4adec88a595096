"""The REST envelope and authentication, as Tencent Cloud Chat's server API does them.

URL parameters, UserSig and JWT checks, administrator-only APIs, unknown APIs, bodies that are
not one JSON object, oversized bodies: each outcome is an HTTP 200 Tencent envelope (except the
413 of an oversized body) with the ErrorCode of the reference.
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import time
import zlib
from urllib.parse import quote, urlencode

import pytest
import requests

from expect import call_fail, call_ok, fail, ok
from util import ADMIN, REPO, SDKAPPID, SECRET_KEY, decode_usersig, usersig

CHECK = "im_open_login_svc/account_check"
CHECK_BODY = {"CheckItem": [{"UserID": "alice"}]}
OTHER_KEY = "0123456789abcdef" * 4
JWT_SECRET = "chatd-e2e-jwt-secret-of-more-than-32-bytes"

# One API per service, with the code that service reports for a body that is not a JSON object
# and for a caller that is not an app administrator.
SERVICES = [
    pytest.param("im_open_login_svc/account_check", 90001, 70403, id="im_open_login_svc"),
    pytest.param("openim/query_online_status", 90001, 90009, id="openim"),
    pytest.param("profile/portrait_get", 40001, 40004, id="profile"),
]


def tencent_b64(raw):
    return base64.b64encode(raw).decode().translate(str.maketrans("+/=", "*-_"))


def pack_doc(doc):
    """A UserSig string holding `doc` as is (no signing): to forge and tamper."""
    return tencent_b64(zlib.compress(json.dumps(doc).encode()))


def query(rest, **params):
    """The five URL parameters for the admin, with `params` replacing (None removing) some."""
    q = {"sdkappid": SDKAPPID, "identifier": ADMIN, "usersig": rest.sign(ADMIN),
         "random": 1234, "contenttype": "json"}
    q.update(params)
    return {k: v for k, v in q.items() if v is not None}


# ---- URL parameters ----------------------------------------------------------------------------

@pytest.mark.parametrize("order", [
    ("sdkappid", "identifier", "usersig", "random", "contenttype"),
    ("usersig", "identifier", "sdkappid", "random", "contenttype"),
    ("contenttype", "random", "usersig", "sdkappid", "identifier"),
    ("random", "usersig", "contenttype", "identifier", "sdkappid"),
])
def test_url_parameters_in_any_order(chatd, rest, order):
    """The five query parameters are found whatever their order."""
    q = query(rest)
    qs = "&".join(f"{k}={quote(str(q[k]), safe='')}" for k in order)
    r = requests.post(f"{chatd.url}/v4/{CHECK}?{qs}", data=json.dumps(CHECK_BODY), timeout=10)
    assert ok(r)["ResultItem"][0]["AccountStatus"] == "NotImported"


@pytest.mark.parametrize("param", ["sdkappid", "identifier", "usersig"])
@pytest.mark.parametrize("value", [None, ""], ids=["absent", "empty"])
def test_missing_url_parameter(rest, param, value):
    """A request without sdkappid, identifier or usersig gets 60025."""
    call_fail(rest, CHECK, CHECK_BODY, 60025, params_override={param: value})


@pytest.mark.parametrize("sdkappid", ["1400000001", "abc", "-1", "1400000000x"])
def test_wrong_sdkappid(rest, sdkappid):
    """An sdkappid that is not the configured app gets 60006."""
    call_fail(rest, CHECK, CHECK_BODY, 60006, params_override={"sdkappid": sdkappid})


@pytest.mark.parametrize("contenttype", ["xml", "JSON", "", "json "])
def test_contenttype_not_json(rest, contenttype):
    """A contenttype other than `json` (case-sensitive) gets 60025."""
    call_fail(rest, CHECK, CHECK_BODY, 60025, params_override={"contenttype": contenttype})


@pytest.mark.parametrize("rnd", ["abc", "-1", "4294967296", "", "1.5", "99999999999999999999"])
def test_bad_random(rest, rnd):
    """A random that is not a uint32 gets 60025."""
    call_fail(rest, CHECK, CHECK_BODY, 60025, params_override={"random": rnd})


@pytest.mark.parametrize("rnd", ["0", "4294967295"])
def test_random_limits_accepted(rest, rnd):
    """random takes the whole uint32 range, 0 and 4294967295 included."""
    call_ok(rest, CHECK, CHECK_BODY, params_override={"random": rnd})


def test_optional_random_and_contenttype(rest):
    """random and contenttype may be left out (SDKs that omit them keep working)."""
    call_ok(rest, CHECK, CHECK_BODY, params_override={"random": None, "contenttype": None})


# ---- UserSig -----------------------------------------------------------------------------------

def _expired():
    return usersig(ADMIN, now=time.time() - 3600, expire=60)


def _truncated():
    sig = usersig(ADMIN)
    return sig[: len(sig) // 2]


def _tampered_time():
    doc = decode_usersig(usersig(ADMIN))
    doc["TLS.time"] += 1
    return pack_doc(doc)


def _tampered_sig():
    doc = decode_usersig(usersig(ADMIN))
    doc["TLS.sig"] = base64.b64encode(bytes(32)).decode()
    return pack_doc(doc)


def _missing_field():
    doc = decode_usersig(usersig(ADMIN))
    del doc["TLS.time"]
    return pack_doc(doc)


BAD_SIGS = [
    pytest.param(_expired, 70001, id="expired"),
    pytest.param(lambda: "garbage", 70003, id="garbage"),
    pytest.param(lambda: "not base64 !$@#", 70003, id="non-base64"),
    pytest.param(lambda: "QUJDREVG", 70003, id="base64-not-zlib"),
    pytest.param(lambda: tencent_b64(zlib.compress(b"hello")), 70003, id="zlib-not-json"),
    pytest.param(_missing_field, 70003, id="json-missing-field"),
    pytest.param(_truncated, 70003, id="truncated"),
    pytest.param(lambda: "A" * 5000, 70003, id="huge"),
    pytest.param(lambda: usersig(ADMIN, key=OTHER_KEY), 70009, id="other-key"),
    pytest.param(_tampered_time, 70009, id="tampered-time"),
    pytest.param(_tampered_sig, 70009, id="tampered-hmac"),
    pytest.param(lambda: usersig("bob"), 70013, id="other-user"),
    pytest.param(lambda: usersig(ADMIN.upper()), 70013, id="other-user-case"),
    pytest.param(lambda: usersig(ADMIN, sdkappid=1400000001), 70014, id="other-app"),
]


@pytest.mark.parametrize("make_sig, code", BAD_SIGS)
def test_bad_usersig(rest, make_sig, code):
    """Each kind of bad UserSig is refused with its Tencent code."""
    call_fail(rest, CHECK, CHECK_BODY, code, usersig=make_sig())


def test_python_usersig_accepted(rest):
    """A UserSig built as Tencent's Python library builds it is accepted."""
    call_ok(rest, CHECK, CHECK_BODY, usersig=usersig(ADMIN))


def test_committed_node_vector_is_expired(rest):
    """The Node-made unit vector for the admin (signed at 1700000000 for 180 days) gets 70001."""
    sig = ("eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5mcUlRYkl*UVQBcUp2YkFBZkpSlaGJgZQ"
           "AJEpycxNVbIyNEcVTa0oyCwCiZuamhrBRYsz05WslLycqyoS89ws-EJCIhJLTXK1jTIsy8vM0yO98ir9"
           "sotzDSpyDf1cI0KNzE1slWoBQr40pw__")
    call_fail(rest, CHECK, CHECK_BODY, 70001, usersig=sig)


@pytest.fixture(scope="session")
def node_usersigs(tmp_path_factory):
    """UserSigs made now by Tencent's npm package tls-sig-api-v2 1.0.2, through the unit-test
    vector generator; skips when node/npm are missing or the package cannot be installed."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run Tencent's tls-sig-api-v2")
    prefix = tmp_path_factory.mktemp("tls-sig-api-v2")
    try:
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                        "--fetch-retries=1", "--fetch-timeout=30000", "tls-sig-api-v2@1.0.2"],
                       cwd=prefix, capture_output=True, text=True, timeout=90, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"npm cannot install tls-sig-api-v2@1.0.2: {getattr(e, 'stderr', e)}")
    now = int(time.time())
    env = dict(os.environ, NODE_PATH=str(prefix / "node_modules"), NOW_MS=str(now * 1000))
    done = subprocess.run(["node", str(REPO / "tests/unit/vectors/gen_usersig.js")], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    sigs = [json.loads(line) for line in done.stdout.splitlines()]
    sigs = [s for s in sigs if "privatemapkey" not in s]
    assert sigs and all(s["time"] == now for s in sigs)
    return sigs


def test_node_usersigs_accepted(chatd_factory, node_usersigs):
    """Fresh UserSigs made by Tencent's Node library (ASCII, UTF-8 and 32-byte identifiers)
    verify, each for its identifier made an app administrator."""
    ids = [s["identifier"] for s in node_usersigs]
    chatd = chatd_factory(env={"CHATD_ADMIN_IDENTIFIER": ",".join(ids)})
    rest = chatd.rest()
    for s in node_usersigs:
        doc = decode_usersig(s["usersig"])
        assert (doc["TLS.identifier"], doc["TLS.sdkappid"]) == (s["identifier"], SDKAPPID)
        answer = call_ok(rest, CHECK, CHECK_BODY, identifier=s["identifier"],
                         usersig=s["usersig"])
        assert answer["ResultItem"][0]["UserID"] == "alice"


def test_node_usersig_for_another_user_refused(rest, node_usersigs):
    """A Node-made UserSig presented for another identifier gets 70013."""
    sig = next(s["usersig"] for s in node_usersigs if s["identifier"] == ADMIN)
    call_fail(rest, CHECK, CHECK_BODY, 70013, identifier="alice", usersig=sig)


# ---- JWT ---------------------------------------------------------------------------------------

def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_jwt(claims, sign, header=None):
    """A compact JWS: `sign(signing_input_bytes) -> signature bytes`."""
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def hs(secret, digest=hashlib.sha256):
    key = secret.encode() if isinstance(secret, str) else secret
    return lambda data: hmac.new(key, data, digest).digest()


def claims(sub=ADMIN, exp_in=3600, **extra):
    c = {"sub": sub, "exp": int(time.time()) + exp_in}
    c.update(extra)
    return c


HS256 = {"jwt_algorithm": "HS256", "jwt_secret": JWT_SECRET}


@pytest.mark.chatd_config(**HS256)
def test_jwt_hs256_accepted(rest):
    """With jwt_algorithm HS256, a valid HS256 JWT for the admin works in place of a UserSig."""
    call_ok(rest, CHECK, CHECK_BODY, usersig=make_jwt(claims(), hs(JWT_SECRET)))


@pytest.mark.chatd_config(**HS256)
def test_usersig_still_accepted_with_jwt_on(rest):
    """Turning JWTs on does not turn Tencent UserSigs off."""
    call_ok(rest, CHECK, CHECK_BODY, usersig=usersig(ADMIN))


BAD_JWTS = [
    pytest.param(lambda: make_jwt(claims(), lambda d: b"", {"alg": "none", "typ": "JWT"}),
                 70009, id="alg-none"),
    pytest.param(lambda: make_jwt(claims(), lambda d: b"", {"alg": "None", "typ": "JWT"}),
                 70009, id="alg-None"),
    pytest.param(lambda: make_jwt(claims(), hs(JWT_SECRET, hashlib.sha512),
                                  {"alg": "HS512", "typ": "JWT"}), 70009, id="HS512"),
    pytest.param(lambda: make_jwt(claims(), hs(JWT_SECRET), {"alg": "hs256", "typ": "JWT"}),
                 70009, id="alg-lowercase"),
    pytest.param(lambda: make_jwt(claims(), hs(JWT_SECRET + "x")), 70009, id="wrong-secret"),
    pytest.param(lambda: make_jwt(claims(exp_in=-3600), hs(JWT_SECRET)), 70001, id="expired"),
    pytest.param(lambda: make_jwt({"sub": ADMIN}, hs(JWT_SECRET)), 70009, id="missing-exp"),
    pytest.param(lambda: make_jwt(claims(exp="tomorrow"), hs(JWT_SECRET)), 70009,
                 id="string-exp"),
    pytest.param(lambda: make_jwt(claims(sub="bob"), hs(JWT_SECRET)), 70013, id="other-user"),
    pytest.param(lambda: make_jwt({"exp": int(time.time()) + 60}, hs(JWT_SECRET)), 70009,
                 id="missing-sub"),
    pytest.param(lambda: make_jwt(claims(nbf=int(time.time()) + 3600), hs(JWT_SECRET)), 70009,
                 id="not-yet-valid"),
    pytest.param(lambda: make_jwt(claims(), hs(JWT_SECRET))[:-4], 70009, id="truncated-sig"),
    pytest.param(lambda: "a.b.c", 70009, id="garbage"),
]


@pytest.mark.chatd_config(**HS256)
@pytest.mark.parametrize("make_token, code", BAD_JWTS)
def test_bad_jwt(rest, make_token, code):
    """Each bad JWT is refused with its code: only the configured algorithm and secret, a
    required and unexpired exp, and a sub naming the identifier."""
    call_fail(rest, CHECK, CHECK_BODY, code, usersig=make_token())


def test_jwt_refused_when_off(rest):
    """With jwt_algorithm none (the default) even a well-signed JWT is refused (70009)."""
    call_fail(rest, CHECK, CHECK_BODY, 70009, usersig=make_jwt(claims(), hs(JWT_SECRET)))


@pytest.mark.chatd_config(jwt_algorithm="HS256", jwt_secret=JWT_SECRET, jwt_user_claim="uid",
                          jwt_issuer="https://auth.example", jwt_audience="chatd")
@pytest.mark.parametrize("extra, code", [
    pytest.param({"uid": ADMIN, "iss": "https://auth.example", "aud": "chatd"}, 0, id="all-ok"),
    pytest.param({"uid": ADMIN, "iss": "https://auth.example", "aud": ["x", "chatd"]}, 0,
                 id="aud-list"),
    pytest.param({"sub": ADMIN, "iss": "https://auth.example", "aud": "chatd"}, 70009,
                 id="user-in-sub-not-uid"),
    pytest.param({"uid": ADMIN, "iss": "https://evil.example", "aud": "chatd"}, 70009,
                 id="wrong-iss"),
    pytest.param({"uid": ADMIN, "iss": "https://auth.example", "aud": "other"}, 70009,
                 id="wrong-aud"),
    pytest.param({"uid": ADMIN, "aud": "chatd"}, 70009, id="missing-iss"),
])
def test_jwt_configured_claims(rest, extra, code):
    """jwt_user_claim, jwt_issuer and jwt_audience are enforced when configured."""
    token = make_jwt({"exp": int(time.time()) + 600, **extra}, hs(JWT_SECRET))
    rest.call(CHECK, CHECK_BODY, usersig=token)
    if code == 0:
        ok(rest.last)
    else:
        fail(rest.last, code)


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory):
    """(private PEM path, public PEM path) made with the openssl command."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make an RSA key pair")
    d = tmp_path_factory.mktemp("rsa")
    priv, pub = d / "key.pem", d / "pub.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", str(priv)], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", str(priv), "-pubout", "-out", str(pub)],
                   check=True, capture_output=True)
    return priv, pub


def rs256(priv):
    def sign(data):
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(priv)], input=data,
                              capture_output=True, check=True).stdout
    return sign


@pytest.fixture
def rs256_rest(chatd_factory, rsa_keys):
    chatd = chatd_factory(jwt_algorithm="RS256", jwt_public_key_file=rsa_keys[1])
    return chatd.rest()


def test_jwt_rs256_accepted(rs256_rest, rsa_keys):
    """With jwt_algorithm RS256, a JWT signed by the private key of jwt_public_key_file works."""
    token = make_jwt(claims(), rs256(rsa_keys[0]), {"alg": "RS256", "typ": "JWT"})
    call_ok(rs256_rest, CHECK, CHECK_BODY, usersig=token)


def test_jwt_rs256_hs_confusion_refused(rs256_rest, rsa_keys):
    """An HS256 token keyed with the RSA public key PEM (algorithm confusion) gets 70009."""
    token = make_jwt(claims(), hs(rsa_keys[1].read_bytes()))
    call_fail(rs256_rest, CHECK, CHECK_BODY, 70009, usersig=token)


def test_jwt_rs256_other_key_refused(rs256_rest, rsa_keys, tmp_path):
    """An RS256 token signed by another private key gets 70009."""
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", str(other)], check=True, capture_output=True)
    token = make_jwt(claims(), rs256(other), {"alg": "RS256", "typ": "JWT"})
    call_fail(rs256_rest, CHECK, CHECK_BODY, 70009, usersig=token)


# ---- administrators, unknown APIs, methods -----------------------------------------------------

@pytest.mark.parametrize("api, json_code, admin_code", SERVICES)
def test_non_admin_refused(rest, api, json_code, admin_code):
    """A caller with a valid UserSig who is not an app administrator gets the service's
    needs-admin code (70403, 90009, 40004)."""
    call_fail(rest, api, {}, admin_code, identifier="bob")


@pytest.mark.parametrize("api", [
    "no_such_svc/account_import",
    "im_open_login_svc/no_such_command",
    "openim/account_import",
    "profile/query_online_status",
    "im_open_login_svc/ACCOUNT_IMPORT",
])
def test_unknown_api(rest, api):
    """An unknown service, or a command its service does not have, gets 60009."""
    call_fail(rest, api, {}, 60009)


@pytest.mark.parametrize("path", ["/v4/", "/v4/im_open_login_svc", "/v4/im_open_login_svc/",
                                  "/v4/im_open_login_svc/account_check/extra", "/v4//account"])
def test_malformed_path(chatd, rest, path):
    """A /v4 path that is not /v4/<service>/<command> gets an envelope with 60002."""
    r = requests.post(f"{chatd.url}{path}", params=query(rest), data="{}", timeout=10)
    fail(r, 60002)


def test_get_on_v4(chatd, rest):
    """GET on a REST API gets an HTTP 200 error envelope (60002), not an HTML page."""
    r = requests.get(f"{chatd.url}/v4/{CHECK}", params=query(rest), timeout=10)
    fail(r, 60002)


# ---- bodies ------------------------------------------------------------------------------------

BAD_BODIES = [
    pytest.param(b"", id="empty"),
    pytest.param(b"   ", id="blank"),
    pytest.param(b"{\"CheckItem\": [", id="truncated"),
    pytest.param(b"not json", id="not-json"),
    pytest.param(b"{'CheckItem': []}", id="single-quotes"),
    pytest.param(b"{} {}", id="two-objects"),
    pytest.param(b"[]", id="array"),
    pytest.param(b"[{\"CheckItem\": []}]", id="array-of-object"),
    pytest.param(b"\"text\"", id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b"true", id="bool"),
    pytest.param(b"{\"UserID\": \"\xff\xfe\"}", id="invalid-utf8"),
    pytest.param(b"{\"UserID\": \"a\\u0000b\"}", id="nul-escape"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_body_not_a_json_object(rest, body):
    """A body that is not exactly one JSON object gets 90001."""
    call_fail(rest, CHECK, None, 90001, raw_body=body)


@pytest.mark.parametrize("body", [b"", b"[]", b"{\"To_Account\": [", b"42"])
@pytest.mark.parametrize("api, json_code, admin_code", SERVICES)
def test_body_not_a_json_object_per_service(rest, api, json_code, admin_code, body):
    """Each service reports a bad body with its own code: 90001, or 40001 on profile APIs."""
    call_fail(rest, api, None, json_code, raw_body=body)


def read_responses(sock):
    """Every HTTP response the server writes on `sock` until it closes: (status, headers, body)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        n = int(headers.get("content-length", "0"))
        answers.append((int(lines[0].split()[1]), headers, rest[:n]))
        data = rest[n:]
    return answers


def rest_request(rest, api, body, extra_headers=""):
    """The bytes of one REST POST with a Content-Length, as a client writes them."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (f"POST /v4/{api}?{urlencode(query(rest))} HTTP/1.1\r\nHost: chatd\r\n"
            f"{extra_headers}Content-Length: {len(raw)}\r\n\r\n").encode() + raw


def fails_60008(status, body, http_status=200):
    assert status == http_status, status
    answer = json.loads(body)
    assert answer["ActionStatus"] == "FAIL" and answer["ErrorCode"] == 60008, answer
    assert "max_body_bytes = 1024" in answer["ErrorInfo"] or http_status != 200, answer
    return answer


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_oversized_body_gets_60008(chatd, rest):
    """A body larger than max_body_bytes gets Tencent's envelope with 60008 (HTTP 200, as every
    /v4/ answer), saying how large it was, and the connection is closed after the answer."""
    body = json.dumps({"CheckItem": [{"UserID": "alice"}], "pad": "x" * 2048})
    r = requests.post(f"{chatd.url}/v4/{CHECK}", params=query(rest), data=body, timeout=10)
    answer = fails_60008(r.status_code, r.content)
    assert f"{len(body)} bytes" in answer["ErrorInfo"], answer
    assert r.headers["Connection"].lower() == "close"
    assert "ErrorCode 60008" in chatd.log()


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_oversized_body_stores_nothing(rest):
    """An import whose body is over the limit imports nobody."""
    call_fail(rest, "im_open_login_svc/account_import", {"UserID": "bob", "Nick": "b" * 2000},
              60008)
    answer = call_ok(rest, CHECK, {"CheckItem": [{"UserID": "bob"}]})
    assert answer["ResultItem"][0]["AccountStatus"] == "NotImported"


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_oversized_chunked_body_gets_60008(chatd, rest):
    """A chunked body that grows past max_body_bytes gets the envelope once it has been sent."""
    with socket.create_connection(("127.0.0.1", chatd.port), timeout=10) as s:
        s.sendall(f"POST /v4/{CHECK}?{urlencode(query(rest))} HTTP/1.1\r\nHost: chatd\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        for _ in range(5):
            s.sendall(b"1f4\r\n" + b"x" * 500 + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        (status, _, body), = read_responses(s)
    answer = fails_60008(status, body)
    assert "chunked" in answer["ErrorInfo"]


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_chunked_body_within_limit_served(chatd, rest):
    """A chunked body within the limit is served like any other."""
    raw = json.dumps(CHECK_BODY).encode()
    with socket.create_connection(("127.0.0.1", chatd.port), timeout=10) as s:
        s.sendall(f"POST /v4/{CHECK}?{urlencode(query(rest))} HTTP/1.1\r\nHost: chatd\r\n"
                  "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode())
        half = len(raw) // 2
        for part in (raw[:half], raw[half:]):
            s.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        (status, _, body), = read_responses(s)
    assert status == 200 and json.loads(body)["ErrorCode"] == 0, body


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_oversized_body_awaiting_100_continue_answered_at_once(chatd, rest):
    """A client that waits for `100 Continue` before sending 1 MB gets 60008 without sending it."""
    with socket.create_connection(("127.0.0.1", chatd.port), timeout=10) as s:
        s.sendall(f"POST /v4/{CHECK}?{urlencode(query(rest))} HTTP/1.1\r\nHost: chatd\r\n"
                  "Expect: 100-continue\r\nContent-Length: 1048576\r\n\r\n".encode())
        (status, _, body), = read_responses(s)
    fails_60008(status, body)


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_pipelined_requests_before_an_oversized_one_are_answered(chatd, rest):
    """Requests sent before an oversized one on the same connection get their own answers, the
    oversized one its 60008, and nothing after it is read."""
    big = {"CheckItem": [{"UserID": "alice"}], "pad": "x" * 2048}
    with socket.create_connection(("127.0.0.1", chatd.port), timeout=10) as s:
        s.sendall(rest_request(rest, CHECK, CHECK_BODY) * 2 + rest_request(rest, CHECK, big) +
                  rest_request(rest, CHECK, CHECK_BODY))
        answers = read_responses(s)
    assert len(answers) == 3, answers
    for status, _, body in answers[:2]:
        assert status == 200 and json.loads(body)["ErrorCode"] == 0, body
    fails_60008(answers[2][0], answers[2][2])


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_oversized_body_outside_v4_gets_413_envelope(chatd):
    """Outside /v4/ an oversized body gets HTTP 413 with the same JSON envelope."""
    r = requests.post(f"{chatd.url}/healthz", data=b"x" * 4096, timeout=10)
    fails_60008(r.status_code, r.content, http_status=413)


@pytest.mark.chatd_config(max_body_bytes=1024)
def test_body_at_limit_accepted(rest):
    """A body of exactly max_body_bytes is served."""
    body = {"CheckItem": [{"UserID": "alice"}], "pad": ""}
    body["pad"] = "x" * (1024 - len(json.dumps(body)))
    raw = json.dumps(body)
    assert len(raw) == 1024
    rest.call(CHECK, raw_body=raw)
    ok(rest.last)


# ---- logs --------------------------------------------------------------------------------------

@pytest.mark.chatd_config(**HS256)
def test_secrets_not_logged(chatd, rest):
    """Neither UserSigs, JWTs, the secret key nor the JWT secret reach the log (debug level)."""
    good, bad = usersig(ADMIN), usersig(ADMIN, key=OTHER_KEY)
    token = make_jwt(claims(), hs(JWT_SECRET))
    call_ok(rest, CHECK, CHECK_BODY, usersig=good)
    call_fail(rest, CHECK, CHECK_BODY, 70009, usersig=bad)
    call_ok(rest, CHECK, CHECK_BODY, usersig=token)
    log = chatd.log()
    assert "account_check" in log  # the requests were logged
    for secret in (good, bad, token, token.split(".")[2], SECRET_KEY, JWT_SECRET):
        assert secret not in log


def test_admin_allow_ips(chatd_factory):
    """With admin_allow_ips set, the admins' calls from elsewhere get 60021; from a listed
    address they pass; a malformed range stops start-up."""
    outside = chatd_factory(admin_allow_ips="10.0.0.0/8, 2001:db8::/32")
    answer = outside.rest().call("im_open_login_svc/account_check",
                                 {"CheckItem": [{"UserID": "x"}]})
    assert (answer["ErrorCode"], answer["ActionStatus"]) == (60021, "FAIL")
    assert "127.0.0.1 is not in admin_allow_ips" in answer["ErrorInfo"]
    inside = chatd_factory(admin_allow_ips="192.0.2.1,127.0.0.0/8")
    assert inside.rest().call("im_open_login_svc/account_check",
                              {"CheckItem": [{"UserID": "x"}]})["ErrorCode"] == 0
    bad = chatd_factory(start=False, admin_allow_ips="10.0.0.0/33")
    assert bad.run_to_exit() != 0
    assert "bad value for key 'admin_allow_ips': '10.0.0.0/33'" in bad.log()
