"""Writes of the portfolio app, one module per subject."""
