"""The Flask app class: a request whose connection died under a safe read runs again.

Flask's ``full_dispatch_request`` runs the before-request hooks (signing in reads the
caller's profile) and the view, and turns what they raise into the answer. Here both run
inside ``db.retrying_safe_read``, so a GET or HEAD that lost its connection mid-query is
tried once more, from the hooks on, before anything is answered. The body follows Flask
3.1's own method; only the retry is added.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.signals import request_started

from otagai.extensions.db import retrying_safe_read
from otagai.extensions.logs import App


class OtagaiFlask(App):
    """``logs.App`` (each 500 logged once), whose safe reads survive a dead connection."""

    def full_dispatch_request(self) -> Response:
        self._got_first_request = True
        try:
            request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = retrying_safe_read(self._hooks_and_view)
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def _hooks_and_view(self) -> Any:
        rv = self.preprocess_request()
        if rv is None:
            rv = self.dispatch_request()
        return rv
