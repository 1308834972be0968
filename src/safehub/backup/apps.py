from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "safehub.backup"
    label = "backup"
