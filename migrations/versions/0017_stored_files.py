"""files in the database: stored files and their chunks, pending import previews; the files
of the upload folder move in

Attachments, import batches' original files and files awaiting an import preview were kept
under UPLOAD_DIR on the server that took the upload; behind a load balancer the other server
could not serve them. They now live in ``stored_file`` (a file's facts) and
``stored_file_chunk`` (its bytes, 1 MiB a row). This migration reads every file the records
name from UPLOAD_DIR (CRM_UPLOAD_DIR, default instance/uploads: the setting is kept for this)
into the database and prints what it moved and what it did not find. A record whose file is
missing is kept, without a file (an attachment's ``file_id`` NULL: its download answers 404
and the firm's page marks it; a batch with no stored file of its checksum offers no error
report), as before when the file was gone. A batch names its file by checksum, as its path
did, so ``import_batch`` is not altered (on SQLite batch mode would copy it and, dropping
the old table, empty its issues and the audit trail's batch ids: see 0011). Files awaiting
an import preview move too (unless their user is gone). The files on disk are left in place
for the operator to remove once the report is checked. The downgrade writes the files back.

Revision ID: 0017_stored_files
Revises: 0016_plans
Create Date: 2026-12-06 16:53:12.646143

"""
import hashlib
import json
import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_stored_files'
down_revision = '0016_plans'
branch_labels = None
depends_on = None

CHUNK_BYTES = 1024 * 1024  # crm.stored_files.CHUNK_BYTES when this was written
TOKEN_RE = re.compile(r'^[A-Za-z0-9_-]{16,64}$')
SPREADSHEET_TYPES = {
    '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    '.xls': 'application/vnd.ms-excel',
    '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
    '.csv': 'text/csv',
}
ATTACHMENT_EXTENSIONS = {'application/pdf': '.pdf', 'image/png': '.png', 'image/jpeg': '.jpg',
                         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx'}

stored_file = sa.table(
    'stored_file', sa.column('id', sa.Integer), sa.column('purpose', sa.String), sa.column('sha256', sa.String),
    sa.column('size', sa.Integer), sa.column('content_type', sa.String), sa.column('created_at', sa.DateTime))
stored_file_chunk = sa.table(
    'stored_file_chunk', sa.column('file_id', sa.Integer), sa.column('seq', sa.Integer),
    sa.column('data', sa.LargeBinary))
attachment = sa.table(
    'attachment', sa.column('id', sa.Integer), sa.column('filename', sa.String), sa.column('stored_name', sa.String),
    sa.column('content_type', sa.String), sa.column('sha256', sa.String), sa.column('file_id', sa.Integer))
import_batch = sa.table(
    'import_batch', sa.column('id', sa.Integer), sa.column('filename', sa.String),
    sa.column('file_sha256', sa.String))
pending_import = sa.table(
    'pending_import', sa.column('id', sa.Integer), sa.column('token', sa.String), sa.column('user_id', sa.Integer),
    sa.column('file_id', sa.Integer), sa.column('details', sa.JSON), sa.column('created_at', sa.DateTime),
    sa.column('updated_at', sa.DateTime))


def _upload_dir():
    """UPLOAD_DIR of the app running the migration (flask db upgrade, init-db), else the
    environment's, else the default."""
    try:
        from flask import current_app

        return Path(current_app.config['UPLOAD_DIR'])
    except (ImportError, RuntimeError, KeyError):
        instance = Path(os.environ.get('CRM_INSTANCE_DIR', Path(__file__).resolve().parents[2] / 'instance'))
        return Path(os.environ.get('CRM_UPLOAD_DIR', instance / 'uploads'))


def _now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _store(bind, path, purpose, content_type):
    """Copy the file at ``path`` into the database a chunk at a time; (file id, sha256)."""
    file_id = bind.execute(stored_file.insert().values(
        purpose=purpose, sha256='', size=0, content_type=content_type, created_at=_now())
        .returning(stored_file.c.id)).scalar_one()
    digest = hashlib.sha256()
    size = 0
    with open(path, 'rb') as source:
        for seq, data in enumerate(iter(lambda: source.read(CHUNK_BYTES), b'')):
            digest.update(data)
            size += len(data)
            bind.execute(stored_file_chunk.insert().values(file_id=file_id, seq=seq, data=data))
    bind.execute(stored_file.update().where(stored_file.c.id == file_id).values(sha256=digest.hexdigest(), size=size))
    return file_id, digest.hexdigest()


def _write_out(bind, file_id, path):
    """Write a stored file's bytes to ``path`` (the downgrade)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'wb') as out:
        seq = 0
        while True:
            data = bind.execute(sa.select(stored_file_chunk.c.data).where(
                stored_file_chunk.c.file_id == file_id, stored_file_chunk.c.seq == seq)).scalar()
            if data is None:
                return
            out.write(data)
            seq += 1


def _move_files_in(attachments):
    """Every file the records name, from the upload folder into the database; prints a report."""
    bind = op.get_bind()
    uploads = _upload_dir()
    moved = {'attachment': 0, 'import_source': 0, 'pending_import': 0}
    moved_bytes = 0
    missing = []
    altered = []

    for row in attachments:
        path = uploads / 'attachments' / Path(row.stored_name).name
        if not path.is_file():
            missing.append(f'attachment {row.id} ({row.filename}): {path}')
            continue
        file_id, sha256 = _store(bind, path, 'attachment', row.content_type)
        bind.execute(attachment.update().where(attachment.c.id == row.id).values(file_id=file_id))
        moved['attachment'] += 1
        moved_bytes += path.stat().st_size
        if sha256 != row.sha256:
            altered.append(f'attachment {row.id} ({row.filename}): {path}')

    # A batch names its file by checksum (import_batch is not altered): one stored copy for
    # every batch of the same content, as on disk.
    kept = set()
    for row in bind.execute(sa.select(import_batch.c.id, import_batch.c.filename, import_batch.c.file_sha256)
                            .order_by(import_batch.c.id)).all():
        if row.file_sha256 in kept:
            continue
        suffix = Path(row.filename).suffix.lower()
        path = uploads / 'imports' / f'{Path(row.file_sha256).name}{suffix}'
        if not path.is_file():
            missing.append(f'import batch {row.id} ({row.filename}): {path}')
            continue
        file_id, sha256 = _store(bind, path, 'import_source', SPREADSHEET_TYPES.get(suffix, 'application/octet-stream'))
        if sha256 != row.file_sha256:  # named by a checksum it does not have: not the batch's file
            bind.execute(stored_file.delete().where(stored_file.c.id == file_id))
            missing.append(f'import batch {row.id} ({row.filename}): {path} (its SHA-256 is not the batch\'s)')
            continue
        kept.add(row.file_sha256)
        moved['import_source'] += 1
        moved_bytes += path.stat().st_size

    # Previews left unfinished: moved too, so nobody's preview breaks at the upgrade (they
    # expire as before). One whose user is gone, or half-written, is not moved.
    users = {user_id for (user_id,) in bind.execute(sa.text('SELECT id FROM "user"'))}
    pending = uploads / 'pending_imports'
    for meta_path in sorted(pending.glob('*.json')) if pending.is_dir() else ():
        token, content = meta_path.stem, meta_path.with_suffix('.bin')
        try:
            details = json.loads(meta_path.read_text(encoding='utf-8'))
        except (OSError, ValueError):
            details = None
        if not TOKEN_RE.match(token) or not content.is_file() or not isinstance(details, dict) \
                or details.get('user_id') not in users:
            missing.append(f'import preview {token}: {meta_path} (not moved)')
            continue
        suffix = Path(str(details.get('filename', ''))).suffix.lower()
        file_id, _sha256 = _store(bind, content, 'pending_import',
                                  SPREADSHEET_TYPES.get(suffix, 'application/octet-stream'))
        touched = datetime.fromtimestamp(meta_path.stat().st_mtime, timezone.utc).replace(tzinfo=None)
        bind.execute(pending_import.insert().values(token=token, user_id=details.pop('user_id'), file_id=file_id,
                                                    details=details, created_at=touched, updated_at=touched))
        moved['pending_import'] += 1
        moved_bytes += content.stat().st_size

    if any(moved.values()) or missing:
        print(f'stored_file: moved {moved["attachment"]} attachments, {moved["import_source"]} import files and '
              f'{moved["pending_import"]} import previews ({moved_bytes / 1024 / 1024:.1f} MB) from {uploads} '
              f'into the database; {len(missing)} not found')
    for line in missing:
        print(f'stored_file: not found, kept without its file: {line}')
    for line in altered:
        print(f'stored_file: moved, but its SHA-256 differs from the one recorded: {line}')
    if any(moved.values()):
        print(f'stored_file: the files are left in {uploads}; remove them once this report is checked')


def _move_files_out():
    """The downgrade: every stored file back into the upload folder, as 0016 kept them."""
    bind = op.get_bind()
    uploads = _upload_dir()
    for row in bind.execute(sa.select(attachment.c.id, attachment.c.content_type, attachment.c.file_id)).all():
        name = secrets.token_hex(16) + ATTACHMENT_EXTENSIONS.get(row.content_type, '')
        if row.file_id is not None:
            _write_out(bind, row.file_id, uploads / 'attachments' / name)
        bind.execute(attachment.update().where(attachment.c.id == row.id).values(stored_name=name))
    batches = {row.file_sha256: row.filename for row in bind.execute(
        sa.select(import_batch.c.filename, import_batch.c.file_sha256).order_by(import_batch.c.id)).all()}
    for row in bind.execute(sa.select(stored_file.c.id, stored_file.c.sha256)
                            .where(stored_file.c.purpose == 'import_source')).all():
        if row.sha256 in batches:
            path = uploads / 'imports' / f'{row.sha256}{Path(batches[row.sha256]).suffix.lower()}'
            if not path.exists():
                _write_out(bind, row.id, path)
    for row in bind.execute(sa.select(pending_import)).all():
        folder = uploads / 'pending_imports'
        _write_out(bind, row.file_id, folder / f'{row.token}.bin')
        details = row.details if isinstance(row.details, dict) else json.loads(row.details)
        meta = folder / f'{row.token}.json'
        meta.write_text(json.dumps({**details, 'user_id': row.user_id}, ensure_ascii=False), encoding='utf-8')
        touched = row.updated_at.replace(tzinfo=timezone.utc).timestamp()
        for path in (meta, meta.with_suffix('.bin')):
            os.utime(path, (touched, touched))


def upgrade():
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('attachment', 'import_source', 'pending_import', name='filepurpose', native_enum=False, length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_stored_file_size_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file'))
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index('ix_stored_file_purpose_sha256', ['purpose', 'sha256'], unique=False)

    op.create_table('stored_file_chunk',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_stored_file_chunk_seq_not_negative')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_stored_file_chunk_file_id_stored_file'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', 'seq', name=op.f('pk_stored_file_chunk'))
    )
    op.create_table('pending_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_pending_import_file_id_stored_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_pending_import_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_import')),
    sa.UniqueConstraint('token', name=op.f('uq_pending_import_token'))
    )
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_import_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_import_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_import_user_id'), ['user_id'], unique=False)

    # Attachments are read first: the batch below drops their stored names. (Batch mode copies
    # the table: nothing references attachment, so the copy loses nothing.)
    attachments = op.get_bind().execute(sa.select(
        attachment.c.id, attachment.c.filename, attachment.c.stored_name, attachment.c.content_type,
        attachment.c.sha256).order_by(attachment.c.id)).all()
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_file_id'), ['file_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachment_file_id_stored_file'), 'stored_file', ['file_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('uq_attachment_stored_name'), type_='unique')
        batch_op.drop_column('stored_name')

    _move_files_in(attachments)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_name', sa.VARCHAR(length=80), nullable=True))

    _move_files_out()

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.alter_column('stored_name', existing_type=sa.VARCHAR(length=80), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_attachment_file_id_stored_file'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_file_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_attachment_stored_name'), ['stored_name'])
        batch_op.drop_column('file_id')

    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_import_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_import_updated_at'))
        batch_op.drop_index(batch_op.f('ix_pending_import_file_id'))

    op.drop_table('pending_import')
    op.drop_table('stored_file_chunk')
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_file_purpose_sha256')

    op.drop_table('stored_file')
