import os

from django.core.wsgi import get_wsgi_application

from dailypapers.lib.datadir import prepare_data_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
prepare_data_dir()  # before the settings are read (a standalone WSGI server starts here, not in cli)
application = get_wsgi_application()
