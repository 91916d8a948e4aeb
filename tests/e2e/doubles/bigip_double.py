#!/usr/bin/env python3
"""An F5 BIG-IP iControl REST double (no BIG-IP here), written from the iControl REST API
reference for LTM pool members: GET/POST /mgmt/tm/ltm/pool/~Common~<pool>/members,
PATCH/DELETE /mgmt/tm/ltm/pool/~Common~<pool>/members/~Common~<addr>:<port>. Basic auth is
required (401 otherwise). Member objects carry name, partition, fullPath, address, session
(user-enabled / user-disabled), state and description; errors are {"code", "message",
"errorStack"} with F5's status codes and message shapes (404 unknown pool or member, 409
duplicate member, 400 bad body). Pools must exist at start (POOLS, comma-separated), as on a
real BIG-IP where pools are configured by hand.
Usage: bigip_double.py PORT USER:PASSWORD POOLS"""
import base64
import sys
import threading
from http.server import ThreadingHTTPServer

from json_http import JsonHandler

port, credentials, pool_names = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
lock = threading.Lock()
pools = {name: {} for name in pool_names}  # pool -> member name -> member
PREFIX = "/mgmt/tm/ltm/pool/~Common~"


class Handler(JsonHandler):
    content_type = "application/json; charset=UTF-8"

    def error(self, status, message):
        self.reply(status, {"code": status, "message": message, "errorStack": [], "apiError": 3})

    def route(self):
        auth = self.headers.get("Authorization", "")
        if auth != "Basic " + base64.b64encode(credentials.encode()).decode():
            self.error(401, "Authorization failed: no user authentication header or token detected.")
            return None
        path = self.path.split("?")[0]
        if not path.startswith(PREFIX) or "/members" not in path:
            self.error(404, "Public URI path not registered.")
            return None
        pool, _, rest = path[len(PREFIX):].partition("/members")
        if pool not in pools:
            self.error(404, f"01020036:3: The requested Pool (/Common/{pool}) was not found.")
            return None
        member = rest[len("/~Common~"):] if rest.startswith("/~Common~") else None
        return pool, member

    def do_GET(self):
        found = self.route()
        if found:
            with lock:
                self.reply(200, {"kind": "tm:ltm:pool:members:memberscollectionstate",
                                 "items": list(pools[found[0]].values())})

    def do_POST(self):
        found = self.route()
        if not found:
            return
        body = self.json_body()
        name, address = body.get("name", ""), body.get("address")
        if ":" not in name:
            return self.error(400, f"01070587:3: The requested pool member ({name}) is invalid.")
        with lock:
            if name in pools[found[0]]:
                return self.error(409, f"01020066:3: The requested Pool Member (/Common/{found[0]} /Common/{name.replace(':', ' ')}) already exists in partition Common.")
            member = {"kind": "tm:ltm:pool:members:membersstate", "name": name, "partition": "Common",
                      "fullPath": f"/Common/{name}", "address": address or name.rsplit(":", 1)[0],
                      "session": body.get("session", "user-enabled"), "state": "unchecked",
                      "description": body.get("description", "")}
            pools[found[0]][name] = member
        self.reply(200, member)

    def do_PATCH(self):
        found = self.route()
        if not found:
            return
        with lock:
            member = pools[found[0]].get(found[1])
            if member is None:
                return self.error(404, f"01020036:3: The requested Pool Member (/Common/{found[0]} /Common/{found[1]}) was not found.")
            member.update({k: v for k, v in self.json_body().items() if k in ("session", "state", "description")})
            self.reply(200, member)

    def do_DELETE(self):
        found = self.route()
        if not found:
            return
        with lock:
            if pools[found[0]].pop(found[1], None) is None:
                return self.error(404, f"01020036:3: The requested Pool Member (/Common/{found[0]} /Common/{found[1]}) was not found.")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
