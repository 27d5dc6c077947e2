from open_webui.models.users import store


class Auths:
    @staticmethod
    async def update_user_password_by_id(user_id, new_password):
        """new_password is a hash (utils.auth.get_password_hash), as in the real app."""
        return store().set_password_hash(user_id, new_password)
