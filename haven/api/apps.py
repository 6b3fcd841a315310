from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "haven.api"
    label = "api"

    def ready(self) -> None:
        # Registers the schema extension that describes the token authentication.
        from haven.api import schema  # noqa: F401
