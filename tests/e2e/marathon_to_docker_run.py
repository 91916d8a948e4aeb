#!/usr/bin/env python3
"""Prints the `docker run` arguments Mesos' Docker containerizer builds for a Marathon app.

Mirrors mesos src/docker/docker.cpp (Docker::run): the app's cpus and mem as --cpu-shares
(cpus x 1024) and --memory, env as -e, labels as -l, network as --net,
each container.docker.parameters entry as --KEY=VALUE (in order, repeats kept), then the image,
and for a shell `cmd` the entrypoint /bin/sh with -c CMD. One argument per line, NUL-free.
Usage: marathon_to_docker_run.py APP.json [IMAGE_OVERRIDE]
"""
import json
import sys

NETWORKS = {"BRIDGE": "bridge", "HOST": "host", "NONE": "none", "USER": "user"}


def docker_run_args(app, image_override=None):
    docker = app["container"]["docker"]
    args = ["--name", "mesos-" + app["id"].strip("/").replace("/", "_")]
    if docker.get("privileged"):
        args.append("--privileged")
    if "cpus" in app:
        args.append(f"--cpu-shares={int(app['cpus'] * 1024)}")
    if "mem" in app:
        args.append(f"--memory={int(app['mem'])}m")
    for key, value in sorted(app.get("env", {}).items()):
        args += ["-e", f"{key}={value}"]
    for key, value in sorted(app.get("labels", {}).items()):
        args += ["-l", f"{key}={value}"]
    network = docker.get("network", "HOST")
    if network not in NETWORKS:
        raise SystemExit(f"unknown network {network!r}")
    args.append("--net=" + NETWORKS[network])
    for parameter in docker.get("parameters", []):
        if set(parameter) != {"key", "value"}:
            raise SystemExit(f"parameter must have exactly key and value: {parameter!r}")
        args.append(f"--{parameter['key']}={parameter['value']}")
    if "cmd" in app:
        args += ["--entrypoint", "/bin/sh"]
    args.append(image_override or docker["image"])
    if "cmd" in app:
        args += ["-c", app["cmd"]]
    return args


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        application = json.load(handle)
    for argument in docker_run_args(application, sys.argv[2] if len(sys.argv) > 2 else None):
        if "\n" in argument:
            raise SystemExit("arguments with newlines are not supported")
        print(argument)
