"""Browser tests: the embeddable widget in headless Chromium."""
