"""Importing a company system's export (CSV or XLSX) into a learner's problem log.

Pure modules (no Django): reader (format, encoding, rows), mapping (which column is which
field, choice values), dates, validate (one row → clean values or reasons). Django side:
storage (files), checking (the check pass), writers (the staged rows → problems),
services (the flow), selectors (reads), forms, batch (the command line's one-shot flow).
"""
