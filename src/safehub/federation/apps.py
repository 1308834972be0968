from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "safehub.federation"
    label = "federation"
