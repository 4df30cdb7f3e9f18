"""A site's backend in Python, signing people in through the app with Authlib (and joserfc for the ID token).

Run: python3 authlib_rp.py <issuer>. Prints its port, then serves /login (redirects to /authorize with PKCE, state
and nonce), /callback (checks state and RFC 9207 iss, exchanges the code with client_secret_basic, validates the ID
token's signature, iss, aud, exp and nonce against the JWKS, reads userinfo) and /last (what the last callback got).
One login at a time, on 127.0.0.1.
"""

import json
import secrets
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

ISSUER = sys.argv[1]
META = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=10).json()
assert META["issuer"] == ISSUER
CLIENT_ID, CLIENT_SECRET = "sandbox", "sandbox-client-secret"
state = {"pending": None, "last": None}


def validate(id_token, nonce):
    keys = KeySet.import_key_set(requests.get(META["jwks_uri"], timeout=10).json())
    # RS256: what the sandbox client gets when it names no algorithm (OpenID Connect's default).
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(token.claims)
    return token.claims


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="text/html; charset=utf-8", location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body.encode())

    def do_GET(self):
        url = urlparse(self.path)
        redirect_uri = f"http://127.0.0.1:{self.server.server_port}/callback"
        if url.path == "/login":
            verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
            session = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="openid profile", redirect_uri=redirect_uri, code_challenge_method="S256")
            uri, st = session.create_authorization_url(META["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
            assert create_s256_code_challenge(verifier) in uri
            state["pending"] = {"verifier": verifier, "nonce": nonce, "state": st}
            return self.answer(302, "", location=uri)
        if url.path == "/callback":
            try:
                pending = state["pending"]
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                if params.get("iss") != ISSUER:
                    raise ValueError("the authorization response's iss is not the issuer")
                if "error" in params:
                    raise ValueError(f"{params['error']}: {params.get('error_description', '')}")
                session = OAuth2Session(
                    CLIENT_ID, CLIENT_SECRET, redirect_uri=redirect_uri, state=pending["state"], token_endpoint_auth_method="client_secret_basic"
                )
                token = session.fetch_token(
                    META["token_endpoint"], authorization_response=f"{redirect_uri}?{url.query}", code_verifier=pending["verifier"]
                )
                claims = validate(token["id_token"], pending["nonce"])
                userinfo = session.get(META["userinfo_endpoint"]).json()
                if userinfo.get("sub") != claims["sub"]:
                    raise ValueError("userinfo is about someone else")
                state["last"] = {"idToken": claims, "userinfo": userinfo}
                return self.answer(200, '<!doctype html><title>Signed in</title><h1 id="signed-in">Signed in with Authlib</h1>')
            except Exception as err:  # the test reads what failed
                state["last"] = {"error": str(err)}
                return self.answer(400, '<!doctype html><title>Failed</title><h1 id="failed">Sign-in failed</h1>')
        if url.path == "/last":
            return self.answer(200, json.dumps(state["last"]), "application/json")
        return self.answer(404, "")


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
