from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "safehub.retention"
    label = "retention"
