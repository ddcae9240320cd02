"""What VIK keeps: the sqlmodel tables, Alembic migrations, run lock, retention and audit log.

A stage of the pipeline like the others (connectors → resolve → rules → flags → store →
web): the store imports the stages before it, never the web application or the night.
"""
