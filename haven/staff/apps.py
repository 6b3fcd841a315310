from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "haven.staff"
    label = "staff"
