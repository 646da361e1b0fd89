"""A small, standards-following OpenID Connect provider for tests, served over real HTTP.

It does what Okta, Entra ID or Keycloak do for the authorization-code flow: a discovery document,
an authorization endpoint with a login form, a token endpoint (client_secret_basic or _post,
PKCE S256 enforced when a challenge was sent, single-use codes), RS256 id tokens signed with a key
it generates, a JWKS and a userinfo endpoint. It listens on 127.0.0.1 on a free port in a thread.

Knobs for hostile answers: `id_token_overrides` (claims merged into the next id tokens, e.g. an
`exp` in the past or another `nonce`), `sign_with_foreign_key` (a valid-looking token signed by a
key the JWKS does not hold), `userinfo_overrides`.

Use `running_provider()` and `configure_sso(settings, provider, ...)`; `provider.sign_in(url, ...)`
plays a person on the login form when a test drives the flow without a browser.
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CODE_SECONDS = 60
TOKEN_SECONDS = 300


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    username: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)


class OidcProvider:
    """The provider's state; `Handler` below answers the HTTP requests from it."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.users: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, str] = {}
        self.token_requests: list[dict] = []
        self.id_token_overrides: dict = {}
        self.userinfo_overrides: dict = {}
        self.sign_with_foreign_key = False
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- set-up -----------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def add_user(self, username: str, password: str, **claims) -> None:
        """A person who can sign in; `claims` go into the id token and userinfo (sub defaults to an id)."""
        self.users[username] = {"password": password, "claims": {"sub": f"sub-{username}", **claims}}

    def add_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.clients[client_id] = {"secret": client_secret, "redirect_uris": list(redirect_uris)}

    def start(self) -> "OidcProvider":
        provider = self

        class BoundHandler(Handler):
            pass

        BoundHandler.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), BoundHandler)
        threading.Thread(target=self.server.serve_forever, name="oidc-provider", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- what the endpoints hand out ---------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            **self.users[grant.username]["claims"],
            "iss": self.issuer, "aud": grant.client_id, "iat": now, "exp": now + TOKEN_SECONDS,
            "auth_time": now,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(self.id_token_overrides)
        claims = {name: value for name, value in claims.items() if value is not None}  # None removes
        key = self.foreign_key if self.sign_with_foreign_key else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def authorize_url(self, **params) -> str:
        return f"{self.issuer}/authorize?{urlencode(params)}"

    # --- a person at the login form, without a browser ---------------------------------------

    def sign_in(self, authorize_url: str, username: str, password: str) -> str:
        """Open the login form at `authorize_url`, submit it, and return where it sends the browser."""
        form = requests.get(authorize_url, timeout=10)
        assert form.status_code == 200, form.text
        params = {name: values[0] for name, values in parse_qs(urlsplit(authorize_url).query).items()}
        answer = requests.post(f"{self.issuer}/authorize", data={**params, "username": username,
                                                                 "password": password},
                               allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


class Handler(BaseHTTPRequestHandler):
    provider: OidcProvider

    def log_message(self, format, *args):  # keep test output quiet
        pass

    # --- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, body: str | dict, content_type: str = "application/json", headers=None):
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        return {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}

    def _query(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()}

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/.well-known/openid-configuration":
            return self._send(200, self.provider.discovery())
        if path == "/jwks":
            return self._send(200, self.provider.jwks())
        if path == "/authorize":
            return self._authorize(self._query(), submitted=False)
        if path == "/userinfo":
            return self._userinfo()
        return self._send(404, {"error": "not_found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/authorize":
            return self._authorize(self._form(), submitted=True)
        if path == "/token":
            return self._token(self._form())
        return self._send(404, {"error": "not_found"})

    # --- authorization endpoint -------------------------------------------------------------

    def _authorize(self, params: dict, *, submitted: bool):
        provider = self.provider
        client = provider.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        # Never redirect to an address the client did not register (RFC 6749 section 4.1.2.1).
        if client is None or redirect_uri not in client["redirect_uris"]:
            return self._send(400, "<h1>Unknown client or redirect_uri</h1>", "text/html")
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return self._redirect(redirect_uri, error="invalid_request", state=params.get("state"))
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return self._redirect(redirect_uri, error="invalid_request", state=params.get("state"))
        if submitted and params.get("action") == "deny":
            return self._redirect(redirect_uri, error="access_denied", error_description="The user said no.",
                                  state=params.get("state"))
        user = provider.users.get(params.get("username", ""))
        if submitted and user is not None and secrets.compare_digest(user["password"], params.get("password", "")):
            code = secrets.token_urlsafe(24)
            with provider.lock:
                provider.codes[code] = Grant(
                    client_id=params["client_id"], redirect_uri=redirect_uri, username=params["username"],
                    nonce=params.get("nonce"), code_challenge=params.get("code_challenge"),
                    code_challenge_method=params.get("code_challenge_method"),
                )
            return self._redirect(redirect_uri, code=code, state=params.get("state"))
        return self._send(200, self._login_form(params, failed=submitted), "text/html; charset=utf-8")

    def _redirect(self, redirect_uri: str, **params):
        query = urlencode({name: value for name, value in params.items() if value is not None})
        separator = "&" if "?" in redirect_uri else "?"
        self._send(302, "", "text/plain", headers={"Location": f"{redirect_uri}{separator}{query}"})

    @staticmethod
    def _login_form(params: dict, *, failed: bool) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in params.items() if name not in ("username", "password", "action")
        )
        error = '<p role="alert">Wrong username or password.</p>' if failed else ""
        return f"""<!doctype html><html lang="en"><head><title>Test IdP</title></head><body>
<h1>Test identity provider</h1>{error}
<form method="post" action="/authorize">{hidden}
<label for="username">Username</label><input id="username" name="username" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password">
<button type="submit" name="action" value="login">Sign in to the test provider</button>
<button type="submit" name="action" value="deny">Deny</button>
</form></body></html>"""

    # --- token and userinfo endpoints -------------------------------------------------------

    def _client_credentials(self, form: dict) -> tuple[str, str]:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token(self, form: dict):
        provider = self.provider
        provider.token_requests.append(dict(form, authorization=self.headers.get("Authorization", "")))
        client_id, secret = self._client_credentials(form)
        client = provider.clients.get(client_id)
        if client is None or not secrets.compare_digest(client["secret"], secret):
            return self._send(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self._send(400, {"error": "unsupported_grant_type"})
        with provider.lock:
            grant = provider.codes.pop(form.get("code", ""), None)  # single use
        if (grant is None or grant.client_id != client_id or grant.redirect_uri != form.get("redirect_uri")
                or time.time() - grant.issued_at > CODE_SECONDS):
            return self._send(400, {"error": "invalid_grant"})
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not verifier or not secrets.compare_digest(digest, grant.code_challenge):
                return self._send(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        access_token = secrets.token_urlsafe(24)
        provider.access_tokens[access_token] = grant.username
        return self._send(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                                "id_token": provider.id_token(grant)})

    def _userinfo(self):
        header = self.headers.get("Authorization", "")
        username = self.provider.access_tokens.get(header[7:]) if header.startswith("Bearer ") else None
        if username is None:
            return self._send(401, {"error": "invalid_token"}, headers={"WWW-Authenticate": "Bearer"})
        claims = {**self.provider.users[username]["claims"], **self.provider.userinfo_overrides}
        return self._send(200, claims)


@contextmanager
def running_provider():
    provider = OidcProvider().start()
    try:
        yield provider
    finally:
        provider.stop()


CLIENT_ID = "paved-test"
CLIENT_SECRET = "paved-test-secret"


def configure_sso(settings, provider: OidcProvider, *, redirect_base: str = "http://testserver", **overrides) -> None:
    """Point Paved (through pytest-django's `settings` fixture) at `provider`, registered as its client."""
    provider.add_client(CLIENT_ID, CLIENT_SECRET, [f"{redirect_base}/login/sso/callback/"])
    values = {
        "PAVED_OIDC_ENABLED": True,
        "PAVED_OIDC_ISSUER": provider.issuer,
        "PAVED_OIDC_CLIENT_ID": CLIENT_ID,
        "PAVED_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "PAVED_OIDC_RESOLVERS": ["emailMatchingUserEntityProfileEmail", "usernameMatchingUserEntityName"],
        **overrides,
    }
    for name, value in values.items():
        setattr(settings, name, value)
