"""
moto's server (the same application `moto_server` runs) with a snapshot of its state, so the sandbox can keep moto's
accounts, OUs, roles and tags across a restart with the very same ids and ARNs.

moto keeps everything in Python objects (one BackendDict per service: account id -> region -> backend). A snapshot
pickles every BackendDict in use, whatever the service, so a service the sandbox starts to use later is kept too.
Replaying requests (moto's recorder) cannot promise the same ids: every request, reads included, draws from moto's
one random generator, and concurrent requests draw in whatever order its threads run.

  GET /_sandbox/moto-version  {"moto": "5.2.5", "python": "3.11", "format": 1}
  GET /_sandbox/moto-state    the snapshot: one JSON header line (format, versions), then the pickle
  PUT /_sandbox/moto-state    replaces moto's whole state with a snapshot (refused, 409, unless the versions match)

AWS requests hold a shared lock while moto handles them; a snapshot or a restore holds it exclusively, so neither
sees a request half applied. A snapshot is only ever read back from the sandbox's own data folder: unpickling runs
code, so a data folder from elsewhere must not be trusted.

Usage: python moto_server.py [-H host] [-p port]
"""

import argparse
import importlib
import json
import os
import pickle
import signal
import sys
import threading

import moto
from moto.core.base_backend import AccountSpecificBackend, BackendDict
from moto.moto_api._internal import mock_random
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

FORMAT = 1
STATE_PATH = "/_sandbox/moto-state"
VERSION_PATH = "/_sandbox/moto-version"


def versions():
    return {"format": FORMAT, "moto": moto.__version__, "python": "%d.%d" % sys.version_info[:2]}


class SharedExclusiveLock:
    """Many holders in shared mode, or one in exclusive mode; a waiting exclusive holder blocks new shared ones."""

    def __init__(self):
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._exclusive_waiting = 0

    def acquire_shared(self):
        with self._cond:
            while self._exclusive or self._exclusive_waiting:
                self._cond.wait()
            self._shared += 1

    def release_shared(self):
        with self._cond:
            self._shared -= 1
            if self._shared == 0:
                self._cond.notify_all()

    def acquire_exclusive(self):
        with self._cond:
            self._exclusive_waiting += 1
            while self._exclusive or self._shared:
                self._cond.wait()
            self._exclusive_waiting -= 1
            self._exclusive = True

    def release_exclusive(self):
        with self._cond:
            self._exclusive = False
            self._cond.notify_all()


def backend_dict_name(backend_dict):
    """(module, attribute) under which moto keeps this BackendDict, e.g. ("moto.organizations.models", "organizations_backends")."""
    home = backend_dict.backend.__module__
    candidates = [home] + sorted(name for name in list(sys.modules) if name.startswith("moto.") and name != home)
    for name in candidates:
        for attribute, value in list(vars(sys.modules[name]).items()):
            if value is backend_dict:
                return name, attribute
    raise RuntimeError("the BackendDict of %s is not a module attribute" % backend_dict.service_name)


def snapshot():
    services = []
    for backend_dict in list(BackendDict._instances):
        module, attribute = backend_dict_name(backend_dict)
        services.append((module, attribute, dict(backend_dict.items())))
    # One pickle for all services: objects shared between services stay shared.
    state = pickle.dumps({"services": services, "random": mock_random.getstate()}, protocol=pickle.HIGHEST_PROTOCOL)
    return json.dumps(versions()).encode() + b"\n" + state


class IncompatibleSnapshot(Exception):
    pass


def restore(blob):
    header_line, _, state = blob.partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        raise IncompatibleSnapshot("the moto snapshot has no header line")
    if header != versions():
        raise IncompatibleSnapshot("the moto snapshot is from %s, this is %s" % (json.dumps(header), json.dumps(versions())))
    loaded = pickle.loads(state)
    BackendDict.reset()
    for module, attribute, accounts in loaded["services"]:
        backend_dict = getattr(importlib.import_module(module), attribute)
        for account_id, account_backend in accounts.items():
            if not isinstance(account_backend, AccountSpecificBackend):
                raise IncompatibleSnapshot("%s.%s[%s] is not an AccountSpecificBackend" % (module, attribute, account_id))
            dict.__setitem__(backend_dict, account_id, account_backend)
        if backend_dict not in BackendDict._instances:
            BackendDict._instances.append(backend_dict)
    mock_random.setstate(loaded["random"])


class MotoWithState:
    def __init__(self, app):
        self.app = app
        self.lock = SharedExclusiveLock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == VERSION_PATH:
            return Response(json.dumps(versions()), content_type="application/json")(environ, start_response)
        if path == STATE_PATH:
            return self.state(Request(environ))(environ, start_response)
        self.lock.acquire_shared()
        try:
            # moto answers with complete bodies, so the response is built by the time the app returns.
            return self.app(environ, start_response)
        finally:
            self.lock.release_shared()

    def state(self, request):
        self.lock.acquire_exclusive()
        try:
            if request.method == "GET":
                return Response(snapshot(), content_type="application/octet-stream")
            if request.method == "PUT":
                try:
                    restore(request.get_data())
                except IncompatibleSnapshot as err:
                    return Response(json.dumps({"error": str(err)}), status=409, content_type="application/json")
                except Exception as err:  # an unreadable pickle: said, not a traceback page
                    message = "%s: %s" % (type(err).__name__, err)
                    return Response(json.dumps({"error": message}), status=500, content_type="application/json")
                return Response(json.dumps({"restored": True}), content_type="application/json")
            return Response(status=405, headers={"Allow": "GET, PUT"})
        finally:
            self.lock.release_exclusive()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    # As moto_server does: some services build URLs from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    # Deep object graphs (an organization with many accounts) pickle recursively.
    sys.setrecursionlimit(20000)
    # Nothing to flush at exit (the sandbox saves through the state route), and exiting at once spares the log
    # handlers' complaints about requests cut short.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, MotoWithState(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
