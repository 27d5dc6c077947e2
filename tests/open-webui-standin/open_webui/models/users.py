import os
from types import SimpleNamespace

import open_webui_standin as standin


def store():
    return standin.Store(os.path.join(standin.data_dir(os.environ), "webui.db"))


class Users:
    @staticmethod
    async def get_user_by_email(email):
        user = store().user("email", email.lower())
        return SimpleNamespace(**user) if user else None
