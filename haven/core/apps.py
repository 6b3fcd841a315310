from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished, request_started


def _forget_data_keys(sender: Any, **kwargs: Any) -> None:
    from haven.lib.crypto import forget_data_keys

    forget_data_keys()


class CoreConfig(AppConfig):
    name = "haven.core"
    label = "core"
    verbose_name = "Haven"

    def ready(self) -> None:
        # Unwrapped data keys live no longer than the request that needed them.
        request_started.connect(_forget_data_keys, dispatch_uid="haven.forget_data_keys.start")
        request_finished.connect(_forget_data_keys, dispatch_uid="haven.forget_data_keys.end")
