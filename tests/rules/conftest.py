"""Rule tests need no app and no database: facts are built in memory (see builders.py)."""
