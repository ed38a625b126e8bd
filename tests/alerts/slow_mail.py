"""Django's file-based e-mail backend with a mail server's latency, for tests that run a real
worker in another process: each message is written (and flushed) only after
ALERTS_TEST_MAIL_DELAY seconds, into ALERTS_TEST_MAIL_DIR, so a test can kill the worker
while a message is on its way."""

from __future__ import annotations

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def __init__(self, *args, **kwargs) -> None:
        kwargs["file_path"] = os.environ["ALERTS_TEST_MAIL_DIR"]
        super().__init__(*args, **kwargs)

    def write_message(self, message) -> None:
        time.sleep(float(os.environ.get("ALERTS_TEST_MAIL_DELAY", "0")))
        super().write_message(message)
