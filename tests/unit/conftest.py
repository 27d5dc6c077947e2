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
