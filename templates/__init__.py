"""Jinja2 templates the targets render (package data)."""
