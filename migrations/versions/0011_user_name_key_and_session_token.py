"""users.name_key (names unique regardless of case and width) and users.session_token (revocable sessions)

Existing names are kept as they are; each gets its key (NFKC, case-folded).  Where two names
share a key ("Alice" and "alice"), the older account keeps its name and every later one is
renamed to "NAME-ID" (its user id), so the unique index can be built and nothing is lost; each
rename is logged as a warning.  Every account gets a fresh session token, which logs out every
session made before this upgrade.  Registration stays closed on an instance that never set it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00

"""
import logging
import secrets
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")
KEY_LENGTH = 255


def name_key(name):
    # As quiz.models.user_name_key at the time of this migration.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    conn = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('name_key', sa.String), sa.column('session_token', sa.String))
    rows = conn.execute(sa.select(users.c.id, users.c.name).order_by(users.c.id)).all()
    original_keys = {name_key(name) for _id, name in rows}
    keys = set()
    for user_id, name in rows:
        # A name whose key does not fit the column (NFKC expands some characters up to 18-fold;
        # names were only cut at 80 characters before) is replaced by one made of its id.
        base = name if len(name_key(name)) <= KEY_LENGTH else f"user-{user_id}"
        new_name = base
        attempt = 0
        while name_key(new_name) in keys or (new_name != name and name_key(new_name) in original_keys):
            attempt += 1
            suffix = f"-{user_id}" if attempt == 1 else f"-{user_id}-{attempt}"
            new_name = base[: 80 - len(suffix)] + suffix
        if new_name != name:
            logger.warning("User %r (id %s) is renamed to %r: names must differ by more than case, "
                           "and fit %s characters once normalised.", name, user_id, new_name, KEY_LENGTH)
        keys.add(name_key(new_name))
        conn.execute(users.update().where(users.c.id == user_id).values(
            name=new_name, name_key=name_key(new_name), session_token=secrets.token_urlsafe(24)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_name_key'), ['name_key'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_name_key'), type_='unique')
        batch_op.drop_column('session_token')
        batch_op.drop_column('name_key')
