"""WSGI entry point: ``gunicorn 'otagai.wsgi:app'`` or ``flask --app otagai.wsgi run``."""

from otagai import create_app

app = create_app()
