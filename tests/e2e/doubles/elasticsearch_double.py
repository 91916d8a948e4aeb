#!/usr/bin/env python3
"""An Elasticsearch _bulk double, written from the Elasticsearch bulk API documentation (no
Elasticsearch package exists here). POST /_bulk takes NDJSON (Content-Type application/x-ndjson
or application/json, body ending in a newline) of action/document pairs and answers per item as
Elasticsearch does: "create" of an existing _id is 409 version_conflict_engine_exception; a
field whose JSON type differs from the type it was first seen with in that index is 400
mapper_parsing_exception (dynamic mapping); index names are checked (lowercase, no \\/*?"<>|,#:
or spaces, not starting with -_+). Basic auth is required when USER:PASSWORD is given. The first
THROTTLE items overall are refused with 429 es_rejected_execution_exception, as a busy cluster
does. Stored documents go to OUT as JSON lines {"index", "id", "source"}.
Usage: elasticsearch_double.py PORT OUT [USER:PASSWORD] [THROTTLE]"""
import base64
import json
import sys
import threading
from http.server import ThreadingHTTPServer

from json_http import JsonHandler

port, out_path = int(sys.argv[1]), sys.argv[2]
credentials = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
throttle = [int(sys.argv[4]) if len(sys.argv) > 4 else 0]
lock = threading.Lock()
stored_ids = set()
mappings = {}  # index -> field path -> JSON type name


def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"


def mapping_conflict(index, document, prefix=""):
    fields = mappings.setdefault(index, {})
    for key, value in document.items():
        path = prefix + key
        kind = json_type(value)
        if fields.setdefault(path, kind) != kind:
            return f"failed to parse field [{path}] of type [{fields[path]}]"
        if kind == "object":
            conflict = mapping_conflict(index, value, path + ".")
            if conflict:
                return conflict
    return None


def bad_index_name(name):
    return (not name or name != name.lower() or any(c in name for c in ' \\/*?"<>|,#:')
            or name[0] in "-_+")


class Handler(JsonHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if credentials:
            expected = "Basic " + base64.b64encode(credentials.encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.reply(401, {"error": {"type": "security_exception"}, "status": 401})
        if self.path != "/_bulk":
            return self.reply(404, {"error": "no handler", "status": 404})
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type not in ("application/x-ndjson", "application/json"):
            return self.reply(406, {"error": f"Content-Type {content_type} is not supported"})
        if not body.endswith(b"\n"):
            return self.reply(400, {"error": "The bulk request must be terminated by a newline"})
        lines = body.decode().split("\n")[:-1]
        if len(lines) % 2:
            return self.reply(400, {"error": "action without its document"})
        items, errors = [], False
        with lock:
            for action_line, document_line in zip(lines[0::2], lines[1::2]):
                action = json.loads(action_line)["create"]
                index, doc_id, document = action["_index"], action["_id"], json.loads(document_line)
                result = {"_index": index, "_id": doc_id}
                if throttle[0] > 0:
                    throttle[0] -= 1
                    result.update(status=429, error={"type": "es_rejected_execution_exception"})
                elif bad_index_name(index):
                    result.update(status=400, error={"type": "invalid_index_name_exception"})
                elif (index, doc_id) in stored_ids:
                    result.update(status=409, error={"type": "version_conflict_engine_exception"})
                else:
                    conflict = mapping_conflict(index, document)
                    if conflict:
                        result.update(status=400, error={"type": "mapper_parsing_exception",
                                                         "reason": conflict})
                    else:
                        stored_ids.add((index, doc_id))
                        with open(out_path, "a") as out:
                            out.write(json.dumps({"index": index, "id": doc_id,
                                                  "source": document}) + "\n")
                        result["status"] = 201
                errors = errors or result["status"] >= 300
                items.append({"create": result})
        self.reply(200, {"took": 1, "errors": errors, "items": items})


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
