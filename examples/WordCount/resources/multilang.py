"""A small multilang library for StormSharp's examples and tests, written from the protocol's description.

A component talks to its worker over stdin and stdout. Every message is one JSON document followed by a line
holding only "end". The worker opens with {"conf", "context", "pidDir"}; the component answers {"pid"} and
touches a file named after its pid in pidDir. A bolt then reads tuples {"id", "comp", "stream", "task", "tuple"}
and answers with emit / ack / fail / log / error commands; a tuple on stream "__heartbeat" from task -1 asks for a
"sync". A spout reads {"command": "next" | "ack" | "fail" | "activate" | "deactivate", "id"} and ends each answer
with a "sync". An emit is answered with the list of task ids it went to unless it says need_task_ids false.
"""

import json
import os
import sys

_stdin = sys.stdin
_stdout = sys.stdout
_queued_commands = []
_queued_task_ids = []


def _read_message():
    # What was written is sent before waiting: a reply may depend on it.
    _stdout.flush()
    lines = []
    while True:
        line = _stdin.readline()
        if not line:
            # The worker is gone: a subprocess never outlives it.
            os._exit(0)
        line = line.rstrip("\n")
        if line == "end":
            return json.loads("\n".join(lines))
        lines.append(line)


def _write_message(message):
    _stdout.write(json.dumps(message))
    _stdout.write("\nend\n")


def read_command():
    if _queued_commands:
        return _queued_commands.pop(0)
    while True:
        message = _read_message()
        if isinstance(message, list):
            _queued_task_ids.append(message)
        else:
            return message


def read_task_ids():
    if _queued_task_ids:
        return _queued_task_ids.pop(0)
    while True:
        message = _read_message()
        if isinstance(message, list):
            return message
        _queued_commands.append(message)


def handshake():
    setup = _read_message()
    pid = os.getpid()
    _write_message({"pid": pid})
    _stdout.flush()
    with open(os.path.join(setup["pidDir"], str(pid)), "w"):
        pass
    return setup["conf"], setup["context"]


def emit(values, stream=None, anchors=None, task=None, id=None, need_task_ids=True):
    message = {"command": "emit", "tuple": values}
    if stream is not None:
        message["stream"] = stream
    if anchors:
        message["anchors"] = [a["id"] for a in anchors]
    if task is not None:
        message["task"] = task
    if id is not None:
        message["id"] = id
    if not need_task_ids or task is not None:
        message["need_task_ids"] = False
    _write_message(message)
    if need_task_ids and task is None:
        return read_task_ids()
    return None


def ack(tup):
    _write_message({"command": "ack", "id": tup["id"]})


def fail(tup):
    _write_message({"command": "fail", "id": tup["id"]})


def sync():
    _write_message({"command": "sync"})


def log(text, level=2):
    _write_message({"command": "log", "msg": text, "level": level})


def error(text):
    _write_message({"command": "error", "msg": text})


def metric(name, params):
    _write_message({"command": "metrics", "name": name, "params": params})


def run_bolt(process, initialize=None):
    """process(conf, tup) is called per tuple; it emits and acks or fails it itself."""
    conf, context = handshake()
    if initialize:
        initialize(conf, context)
    while True:
        tup = read_command()
        if tup.get("task") == -1 and tup.get("stream") == "__heartbeat":
            sync()
            continue
        process(conf, tup)


def run_spout(next_tuple, on_ack=None, on_fail=None, initialize=None):
    conf, context = handshake()
    if initialize:
        initialize(conf, context)
    while True:
        command = read_command()
        kind = command["command"]
        if kind == "next":
            next_tuple(conf)
        elif kind == "ack" and on_ack:
            on_ack(command["id"])
        elif kind == "fail" and on_fail:
            on_fail(command["id"])
        sync()
