"""Backup and restore of the whole database as one archive (`backup PATH`, `restore PATH`).

The operations live in ``crm.backup.services``; the commands in ``crm.backup.cli``.
"""
