#!/usr/bin/env python3
"""A HashiCorp Vault double (no Vault package exists here), written from Vault's HTTP API
documentation for the calls Bulkhead makes: KV version 2 (GET/POST <mount>/data/<path>, GET
<mount>/metadata/<path>), token lookup-self and renew-self, AppRole login, response wrapping
(X-Vault-Wrap-TTL on any read; POST sys/wrapping/unwrap with the wrapping token, single use).
Errors are Vault's JSON {"errors": [...]} with its status codes (400, 403 permission denied,
404 with an empty errors list for a missing KV path). Tokens from AppRole login live TTL seconds
and are renewable; an expired token is refused with 403. Serves HTTPS when CERT and KEY are
given. GET /_double/stats (not Vault API) reports login and renewal counts for the test.
Usage: vault_double.py PORT ROLE_ID SECRET_ID TTL [CERT KEY]"""
import secrets
import ssl
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from json_http import JsonHandler

port, role_id, secret_id, ttl = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
lock = threading.Lock()
tokens = {}    # token -> expiry (monotonic seconds)
wrapped = {}   # wrapping token -> response body
kv = {}        # path -> list of {"data", "created_time"}
stats = {"logins": 0, "renewals": 0, "unwraps": 0}
KV_MOUNT = "secret"


def now_text():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


class Handler(JsonHandler):
    def error(self, status, *messages):
        self.reply(status, {"errors": list(messages)})

    def token_valid(self):
        token = self.headers.get("X-Vault-Token", "")
        with lock:
            return tokens.get(token, 0) > time.monotonic()

    def envelope(self, data=None, auth=None):
        return {"request_id": secrets.token_hex(8), "lease_id": "", "renewable": False,
                "lease_duration": 0, "data": data, "wrap_info": None, "warnings": None, "auth": auth}

    def issue_token(self):
        token = "hvs." + secrets.token_urlsafe(18)
        with lock:
            tokens[token] = time.monotonic() + ttl
        return {"client_token": token, "accessor": secrets.token_hex(8), "lease_duration": ttl,
                "renewable": True, "policies": ["default", "bulkhead"], "token_type": "service"}

    def maybe_wrap(self, body):
        wrap_ttl = self.headers.get("X-Vault-Wrap-TTL")
        if not wrap_ttl:
            return body
        token = "hvs.wrap." + secrets.token_urlsafe(18)
        with lock:
            wrapped[token] = body
        return {"request_id": secrets.token_hex(8), "data": None, "auth": None,
                "wrap_info": {"token": token, "accessor": secrets.token_hex(8),
                              "ttl": int(wrap_ttl.rstrip("s")), "creation_time": now_text(),
                              "creation_path": self.path[len("/v1/"):]}}

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/_double/stats":
            return self.reply(200, stats)
        if path == "/v1/sys/health":
            return self.reply(200, {"initialized": True, "sealed": False, "standby": False})
        if not self.token_valid():
            return self.error(403, "permission denied")
        if path == "/v1/auth/token/lookup-self":
            return self.reply(200, self.envelope({"ttl": ttl, "renewable": True, "policies": ["root"]}))
        data_prefix, meta_prefix = f"/v1/{KV_MOUNT}/data/", f"/v1/{KV_MOUNT}/metadata/"
        if path.startswith(data_prefix):
            versions = kv.get(path[len(data_prefix):])
            if not versions:
                return self.error(404)
            latest = versions[-1]
            metadata = {"version": len(versions), "created_time": latest["created_time"],
                        "deletion_time": "", "destroyed": False, "custom_metadata": None}
            return self.reply(200, self.maybe_wrap(self.envelope({"data": latest["data"], "metadata": metadata})))
        if path.startswith(meta_prefix):
            versions = kv.get(path[len(meta_prefix):])
            if not versions:
                return self.error(404)
            return self.reply(200, self.envelope({"current_version": len(versions),
                                                  "updated_time": versions[-1]["created_time"]}))
        return self.error(404)

    def do_POST(self):
        path = self.path.split("?")[0]
        body = self.json_body()
        if path == "/v1/auth/approle/login":
            if body.get("role_id") != role_id or body.get("secret_id") != secret_id:
                return self.error(400, "invalid role or secret ID")
            stats["logins"] += 1
            return self.reply(200, self.envelope(auth=self.issue_token()))
        if path == "/v1/sys/wrapping/unwrap":
            with lock:
                response = wrapped.pop(self.headers.get("X-Vault-Token", ""), None)
            if response is None:
                return self.error(400, "wrapping token is not valid or does not exist")
            stats["unwraps"] += 1
            return self.reply(200, response)
        if not self.token_valid():
            return self.error(403, "permission denied")
        if path == "/v1/auth/token/renew-self":
            token = self.headers["X-Vault-Token"]
            with lock:
                tokens[token] = time.monotonic() + ttl
            stats["renewals"] += 1
            return self.reply(200, self.envelope(auth={"client_token": token, "lease_duration": ttl,
                                                       "renewable": True}))
        data_prefix = f"/v1/{KV_MOUNT}/data/"
        if path.startswith(data_prefix):
            versions = kv.setdefault(path[len(data_prefix):], [])
            versions.append({"data": body.get("data", {}), "created_time": now_text()})
            return self.reply(200, self.envelope({"version": len(versions), "created_time": now_text()}))
        return self.error(404)

    do_PUT = do_POST


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
if len(sys.argv) > 6:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[5], sys.argv[6])
    server.socket = context.wrap_socket(server.socket, server_side=True)
# A root token for the test itself, so it can write KV data with curl.
tokens["root-token"] = float("inf")
server.serve_forever()
