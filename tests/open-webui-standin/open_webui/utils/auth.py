import open_webui_standin as standin


async def get_password_hash(password):
    return standin.password_hash(password)
