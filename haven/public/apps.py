from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "haven.public"
    label = "public"
