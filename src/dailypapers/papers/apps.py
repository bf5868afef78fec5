from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "dailypapers.papers"
    label = "papers"
    default_auto_field = "django.db.models.BigAutoField"
