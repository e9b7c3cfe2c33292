"""Fault scripts (issue 8, item 5): break the job machinery on purpose and count what is lost.

- ``make faults-worker`` (``worker_kill``): a Celery worker killed with SIGKILL in the middle
  of an import (during its check and twice during the import) and of an analysis run, then
  restarted.
- ``make faults-redis`` (``broker_restart``): Redis restarted, forgetting its queues, while
  imports, an analysis and a PDF export wait in them with the worker stopped; then jobs asked
  for, through the pages, while Redis is down.
- ``make faults-postgres`` (``database_cut``): PostgreSQL cut off for five seconds, twice,
  while an import runs and web requests arrive (through a TCP proxy, ``proxy``).

Each uses a scratch PostgreSQL database (``casebook_faults_<name>``, dropped afterwards) and
its own redis-server on a spare port (never the machine's Redis), prints a table of figures
and exits non-zero if a row is lost or duplicated, a job does not finish, or a page fails
with a 500. Logs go to var/faults/<name>/.
"""
