"""The tests of the built site: its build, its links, its pages in Chromium and its downloads."""
