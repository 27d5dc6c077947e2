"""The parts of Open WebUI's package the open_webui role calls inside the container
(roles/open_webui/files/admin_password.py), over the stand-in's database."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
