"""Maintainer tools that generate checked-in files; not part of the installed package.

Each generator has a test that regenerates its output and compares it with the file in
the checkout, so the committed file can never drift from its source.
"""
