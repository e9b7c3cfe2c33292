from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        # Register the engine's tasks in every process (web, worker, commands): the problem
        # log starts them by name, so their module must be imported before the first send.
        from analytics import tasks  # noqa: F401
