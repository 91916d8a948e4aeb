#!/usr/bin/env python3
"""A Marathon double (no Marathon package exists here), written from Marathon's REST API and
event bus documentation, for the calls lbsync makes: GET /v2/apps?embed=apps.tasks,
GET /v2/apps/{id}?embed=app.tasks (404 {"message": ...} for an unknown app), GET /ping, and
GET /v2/events as server-sent events ("event: <type>" / "data: <json>" / blank line) with
status_update_event (appId, taskId, taskStatus, host, ports) and health_status_changed_event
(appId, taskId, alive). Test control, not Marathon API: POST /_double/task {"app", "id", "host",
"port", "alive", "labels"} adds or updates a task; DELETE /_double/task/<id> kills it;
POST /_double/outage {"seconds": N} answers 503 to everything and drops the event streams.
Usage: marathon_double.py PORT"""
import json
import queue
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from json_http import JsonHandler

port = int(sys.argv[1])
lock = threading.Lock()
apps = {}          # app id -> {"id", "labels", "healthChecks", "tasks": {task id -> task}}
streams = []       # queues of connected event streams
outage_until = [0.0]


def app_json(app):
    return {"id": app["id"], "labels": app["labels"], "healthChecks": app["healthChecks"],
            "instances": len(app["tasks"]), "tasks": list(app["tasks"].values())}


def emit(event_type, body):
    body = dict(body, eventType=event_type, timestamp=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()))
    with lock:
        for stream in streams:
            stream.put((event_type, body))


class Handler(JsonHandler):
    def down(self):
        if time.time() < outage_until[0] and not self.path.startswith("/_double"):
            self.reply(503, {"message": "leader unavailable"})
            return True
        return False

    def do_GET(self):
        if self.down():
            return
        path = self.path.split("?")[0]
        if path == "/ping":
            data = b"pong\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        if path == "/v2/apps":
            with lock:
                return self.reply(200, {"apps": [app_json(a) for a in apps.values()]})
        if path.startswith("/v2/apps/"):
            with lock:
                app = apps.get(path[len("/v2/apps"):])
                if app is None:
                    return self.reply(404, {"message": f"App '{path[len('/v2/apps'):]}' does not exist"})
                return self.reply(200, {"app": app_json(app)})
        if path == "/v2/events":
            return self.stream()
        self.reply(404, {"message": "not found"})

    def stream(self):
        events = queue.Queue()
        with lock:
            streams.append(events)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self.chunk(b"event: event_stream_attached\ndata: {}\n\n")
            while time.time() >= outage_until[0]:
                try:
                    event_type, body = events.get(timeout=0.2)
                except queue.Empty:
                    continue
                self.chunk(f"event: {event_type}\ndata: {json.dumps(body)}\n\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with lock:
                streams.remove(events)
            self.close_connection = True

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_POST(self):
        body = self.json_body()
        if self.path == "/_double/outage":
            outage_until[0] = time.time() + body["seconds"]
            return self.reply(200, {})
        if self.path == "/_double/task":
            with lock:
                app = apps.setdefault(body["app"], {"id": body["app"], "labels": body.get("labels", {}),
                                                    "healthChecks": [{"protocol": "MESOS_HTTP"}], "tasks": {}})
                task = {"id": body["id"], "appId": body["app"], "host": body["host"], "ports": [body["port"]],
                        "state": "TASK_RUNNING",
                        "healthCheckResults": [{"alive": body.get("alive", True), "taskId": body["id"]}]}
                app["tasks"][body["id"]] = task
            emit("status_update_event", {"appId": body["app"], "taskId": body["id"], "taskStatus": "TASK_RUNNING",
                                         "host": body["host"], "ports": [body["port"]]})
            emit("health_status_changed_event", {"appId": body["app"], "taskId": body["id"],
                                                 "alive": body.get("alive", True)})
            return self.reply(200, task)
        self.reply(404, {"message": "not found"})

    def do_DELETE(self):
        if self.path.startswith("/_double/task/"):
            task_id = self.path[len("/_double/task/"):]
            with lock:
                for app in apps.values():
                    task = app["tasks"].pop(task_id, None)
                    if task:
                        break
            if task:
                emit("status_update_event", {"appId": task["appId"], "taskId": task_id,
                                             "taskStatus": "TASK_KILLED", "host": task["host"], "ports": task["ports"]})
            return self.reply(200 if task else 404, {})
        self.reply(404, {"message": "not found"})


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
