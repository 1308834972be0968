from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "safehub.support"
    verbose_name = "Support plans, safe contact, consent, adult survivors and the Victims' Code"
