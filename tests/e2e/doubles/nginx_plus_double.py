#!/usr/bin/env python3
"""An NGINX Plus API double (NGINX Plus is commercial; Debian has no package), written from the
ngx_http_api_module documentation, for upstream servers: GET/POST /api/9/http/upstreams/<name>/servers,
GET/PATCH/DELETE /api/9/http/upstreams/<name>/servers/<id>. Server objects carry id, server,
weight, max_conns, max_fails, fail_timeout, slow_start, route, backup, down, drain; POST answers
201 with the new server, DELETE answers 200 with the remaining servers, errors are
{"error": {"status", "text", "code"}, "request_id", "href"} (404 UpstreamNotFound /
UpstreamServerNotFound, 400 UpstreamBadAddress). Upstreams (UPSTREAMS, comma-separated) must
exist, as they are declared in nginx.conf with a shared memory zone.
Usage: nginx_plus_double.py PORT UPSTREAMS"""
import sys
import threading
from http.server import ThreadingHTTPServer

from json_http import JsonHandler

port, names = int(sys.argv[1]), sys.argv[2].split(",")
lock = threading.Lock()
upstreams = {name: {"next": 0, "servers": {}} for name in names}
PREFIX = "/api/9/http/upstreams/"


class Handler(JsonHandler):
    def error(self, status, text, code):
        self.reply(status, {"error": {"status": status, "text": text, "code": code},
                            "request_id": "0" * 32, "href": "https://nginx.org/en/docs/http/ngx_http_api_module.html"})

    def route(self):
        path = self.path.split("?")[0]
        if not path.startswith(PREFIX):
            self.error(404, "path not found", "PathNotFound")
            return None
        name, _, rest = path[len(PREFIX):].partition("/servers")
        if name not in upstreams:
            self.error(404, "upstream not found", "UpstreamNotFound")
            return None
        server_id = rest[1:] if rest.startswith("/") and rest[1:] else None
        if server_id is not None and int(server_id) not in upstreams[name]["servers"]:
            self.error(404, "server not found", "UpstreamServerNotFound")
            return None
        return upstreams[name], None if server_id is None else int(server_id)

    def do_GET(self):
        found = self.route()
        if found:
            with lock:
                upstream, server_id = found
                self.reply(200, list(upstream["servers"].values()) if server_id is None else upstream["servers"][server_id])

    def do_POST(self):
        found = self.route()
        if not found:
            return
        body = self.json_body()
        if ":" not in body.get("server", ""):
            return self.error(400, "invalid \"server\" field", "UpstreamBadAddress")
        with lock:
            upstream = found[0]
            server = {"id": upstream["next"], "server": body["server"], "weight": 1, "max_conns": 0, "max_fails": 1,
                      "fail_timeout": "10s", "slow_start": "0s", "route": "", "backup": False,
                      "down": bool(body.get("down", False)), "drain": bool(body.get("drain", False))}
            upstream["servers"][server["id"]] = server
            upstream["next"] += 1
        self.reply(201, server)

    def do_PATCH(self):
        found = self.route()
        if not found:
            return
        with lock:
            server = found[0]["servers"][found[1]]
            server.update({k: v for k, v in self.json_body().items() if k in ("down", "drain", "weight")})
            self.reply(200, server)

    def do_DELETE(self):
        found = self.route()
        if not found:
            return
        with lock:
            found[0]["servers"].pop(found[1])
            self.reply(200, list(found[0]["servers"].values()))


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
