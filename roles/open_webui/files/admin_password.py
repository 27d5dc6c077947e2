# Run inside the Open WebUI container by tasks/install.yml: `check` or `apply`; the e-mail and the
# password come in OPEN_WEBUI_ADMIN_EMAIL / OPEN_WEBUI_ADMIN_PASSWORD. Prints `ok` when the admin
# signs in with the password, else `reset` after setting it (`would reset` for check).
import asyncio
import json
import os
import sys
import urllib.error
import urllib.request

email, password = os.environ["OPEN_WEBUI_ADMIN_EMAIL"], os.environ["OPEN_WEBUI_ADMIN_PASSWORD"]
request = urllib.request.Request("http://127.0.0.1:8080/api/v1/auths/signin", method="POST",
                                 data=json.dumps({"email": email, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        role = json.load(response).get("role")
    if role != "admin":
        sys.exit("admin_password: %s signs in, but as %s, not admin" % (email, role))
    print("ok")
    sys.exit(0)
except urllib.error.HTTPError as failed:
    if failed.code not in (400, 401, 403):
        sys.exit("admin_password: the sign-in answered %s" % failed.code)
if sys.argv[1] == "check":
    print("would reset")
    sys.exit(0)


async def reset():
    from open_webui.models.auths import Auths
    from open_webui.models.users import Users
    from open_webui.utils.auth import get_password_hash

    user = await Users.get_user_by_email(email.lower())
    if user is None or user.role != "admin":
        sys.exit("admin_password: %s is no admin of this Open WebUI" % email)
    if not await Auths.update_user_password_by_id(user.id, await get_password_hash(password)):
        sys.exit("admin_password: the password of %s was not updated" % email)


asyncio.run(reset())
print("reset")
