"""Logging in through the real login form, as every browser walk does."""

import re

PASSWORD = "correct-horse-9"


def submit_login(page, username: str, password: str = PASSWORD) -> None:
    """Fill and send the login form the page shows."""
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("form", has=page.locator("input[name=password]")).locator("button[type=submit]").click()


def sign_in(page, base_url: str, username: str, next_path: str = "/", password: str = PASSWORD) -> None:
    """Log in from the login page and wait until it has brought the reader to ``next_path``."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    submit_login(page, username, password)
    page.wait_for_url(re.compile(re.escape(base_url + next_path) + "$"))
