"""Makes this checkout importable as ansible_collections.selfhosted.ai_stack.

`make collection-link` creates .cache/collections/ansible_collections/selfhosted/ai_stack -> the
checkout; ansible-test runs the tests from a real collection tree, where this does nothing.
"""
import os
import sys

_root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_collections = os.path.join(_root, ".cache", "collections")
if os.path.isdir(os.path.join(_collections, "ansible_collections")) and _collections not in sys.path:
    sys.path.insert(0, _collections)


# The Engine API double on a unix socket in a short temporary directory, for the modules that read
# the Engine (engine_api, stack_status): engine(answers) starts one, stopped after the test.
import shutil  # noqa: E402
import tempfile  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def socket_dir():
    path = tempfile.mkdtemp(prefix="engine", dir="/tmp")  # a unix socket path must stay short
    yield path
    shutil.rmtree(path)


@pytest.fixture
def engine(socket_dir):
    from engine_api_double import EngineApiDouble
    servers = []

    def start(answers):
        server = EngineApiDouble(os.path.join(socket_dir, "docker.sock"), answers)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()
