from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project's own glue: role home pages, error pages and the demo data command."""

    name = "config"
    verbose_name = "Casebook"
