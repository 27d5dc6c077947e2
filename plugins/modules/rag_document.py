#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rag_document
short_description: Keep a file indexed in the stack's RAG API, or remove it
description:
  - Indexes a file through the RAG API's C(/index-document) endpoint (services/rag_api), under a
    document id, or deletes the document.
  - Idempotent by content. The API keeps the sha256 of the bytes each document was indexed from,
    so an unchanged file costs one C(GET /documents/{id}) and reports C(ok); a changed file replaces
    the old version in one transaction on the server.
  - "Runs where the file is (the controller with C(delegate_to: localhost), or any host that can reach
    the API), and talks to the API over HTTP(S) with its key. On the controller its action plugin does
    the work in Ansible's own process, without starting a module per file."
version_added: "0.2.0"
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  url:
    description: The RAG API's base URL, e.g. C(https://rag.example.com) (through Traefik) or C(http://rag-api:8000).
    type: str
    required: true
  api_key:
    description: The API key (C(rag_api_api_key)), sent as C(X-API-Key).
    type: str
    required: true
  path:
    description: The file to index (C(.txt), C(.md); PDF, office files and HTML through Docling). Required with I(state=present).
    type: path
  document_id:
    description: The document's id in the index; the file's name when omitted. Required with I(state=absent).
    type: str
  state:
    description: C(present) indexes the file unless the same bytes are indexed under this id; C(absent) deletes the document.
    type: str
    choices: [present, absent]
    default: present
  timeout:
    description: Seconds one call may take; indexing a large document through Docling takes minutes.
    type: int
    default: 600
  validate_certs:
    description: Verify the API's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A PEM file of the CA that signed the API's certificate (Traefik's self-signed CA).
    type: path
attributes:
  check_mode:
    support: full
    description: Reads the stored hash and reports what would change; sends nothing.
  diff_mode:
    support: full
    description: Shows the stored and the new content hash.
notes:
  - The file is read into memory to be sent; the API refuses files over C(rag_api_max_file_mb).
  - C(playbooks/rag_ingest.yml) ingests a directory with this module, with a summary of indexed,
    unchanged and failed files.
"""

EXAMPLES = r"""
- name: Index the runbook through Traefik
  selfhosted.ai_stack.rag_document:
    url: https://rag.example.com
    api_key: "{{ rag_api_api_key }}"
    path: /srv/docs/runbook.docx
    document_id: ops/runbook.docx
  delegate_to: localhost

- name: Remove it from the index
  selfhosted.ai_stack.rag_document:
    url: https://rag.example.com
    api_key: "{{ rag_api_api_key }}"
    document_id: ops/runbook.docx
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
document_id:
  description: The document's id in the index.
  returned: always
  type: str
  sample: ops/runbook.docx
status:
  description: >-
    C(indexed) (new or replaced), C(unchanged) (the same bytes were indexed already), C(deleted),
    C(absent) (there was nothing to delete); in check mode C(would be indexed) or C(would be deleted).
  returned: always
  type: str
  sample: unchanged
content_hash:
  description: sha256 of the file (I(state=present)).
  returned: when state is present
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
http_status:
  description: The API's HTTP status when it refused the call (401 wrong key, 413 too large, 415 unsupported type, 502/504 Docling or Ollama).
  returned: on failure, when the API answered
  type: int
  sample: 502
chunks:
  description: Chunks the document is stored as.
  returned: when state is present and not in check mode
  type: int
  sample: 12
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.rag_api import ARGUMENT_SPEC, run_task


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    result = run_task(module.params, module.check_mode, module._diff)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
