"""decks keep their note's text and a display name; CHECK constraints hold the domain limits

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

The note's text cannot be filled in here: a migration may not open the paths stored in the
database any more than the app may.  Decks imported before this revision show "source not
stored; import the note again" until their note is imported again.

Rows that break a new constraint (only a hand-edited database or an old restore can hold them)
are brought into range first rather than making the upgrade fail: numbers are clamped to the
nearest allowed value (ease 1.30, intervals 0..36500 days, counts 0, grades 0..5, an interval
of 1 day once two passes are in a row), an out-of-range day start becomes the default hour 4,
an unknown locale becomes None (the browser's choice), and an unknown card kind becomes "qa".
The limits are written out here as they stand at this revision (quiz.limits is their one live
definition; a later change to it needs its own migration).
"""
from pathlib import PurePosixPath, PureWindowsPath

import sqlalchemy as sa
from alembic import op

from quiz import counters


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MAX_INTERVAL = 36500
KINDS = "('command', 'concept', 'cloze', 'qa')"

# (table, [(constraint name, condition)]): the same names and conditions as quiz.limits gives the models.
CHECKS = [
    ('users', [
        ('new_cards_per_day', 'new_cards_per_day >= 0 AND new_cards_per_day <= 9999'),
        ('reviews_per_day', 'reviews_per_day >= 0 AND reviews_per_day <= 99999'),
        ('day_starts_at_hour', 'day_starts_at_hour >= 0 AND day_starts_at_hour <= 23'),
        ('locale', "locale IN ('zh', 'en')"),
    ]),
    ('topics', [('position', 'position >= 0')]),
    ('cards', [
        ('kind', f'kind IN {KINDS}'),
        ('line', 'line >= 0'),
        ('position', 'position >= 0'),
    ]),
    ('review_states', [
        ('repetitions', 'repetitions >= 0'),
        ('ease_hundredths', 'ease_hundredths >= 130'),
        ('interval_days', f'interval_days >= 0 AND interval_days <= {MAX_INTERVAL}'),
        ('lapses', 'lapses >= 0'),
        ('interval_days_after_passes', 'repetitions < 2 OR interval_days >= 1'),
    ]),
    ('review_log', [
        ('grade', 'grade >= 0 AND grade <= 5'),
        ('repetitions_before', 'repetitions_before >= 0'),
        ('ease_hundredths_before', 'ease_hundredths_before >= 130'),
        ('interval_days_before', f'interval_days_before >= 0 AND interval_days_before <= {MAX_INTERVAL}'),
        ('lapses_before', 'lapses_before >= 0'),
        ('repetitions_after', 'repetitions_after >= 0'),
        ('ease_hundredths_after', 'ease_hundredths_after >= 130'),
        ('interval_days_after', f'interval_days_after >= 0 AND interval_days_after <= {MAX_INTERVAL}'),
        ('interval_days_before_after_passes', 'repetitions_before < 2 OR interval_days_before >= 1'),
        ('interval_days_after_after_passes', 'repetitions_after < 2 OR interval_days_after >= 1'),
    ]),
    ('anki_exports', [('timestamp', 'timestamp >= 0'), ('note_count', 'note_count >= 0')]),
]

# Statements that bring existing rows into range, in order (intervals are clamped before the pass rule).
FIXES = [
    'UPDATE users SET new_cards_per_day = 0 WHERE new_cards_per_day < 0',
    'UPDATE users SET new_cards_per_day = 9999 WHERE new_cards_per_day > 9999',
    'UPDATE users SET reviews_per_day = 0 WHERE reviews_per_day < 0',
    'UPDATE users SET reviews_per_day = 99999 WHERE reviews_per_day > 99999',
    'UPDATE users SET day_starts_at_hour = 4 WHERE day_starts_at_hour < 0 OR day_starts_at_hour > 23',
    "UPDATE users SET locale = NULL WHERE locale NOT IN ('zh', 'en')",
    'UPDATE topics SET position = 0 WHERE position < 0',
    f"UPDATE cards SET kind = 'qa' WHERE kind NOT IN {KINDS}",
    'UPDATE cards SET line = 0 WHERE line < 0',
    'UPDATE cards SET position = 0 WHERE position < 0',
    'UPDATE anki_exports SET timestamp = 0 WHERE timestamp < 0',
    'UPDATE anki_exports SET note_count = 0 WHERE note_count < 0',
]
for _table, _suffixes in (('review_states', ['']), ('review_log', ['_before', '_after'])):
    for _s in _suffixes:
        FIXES += [
            f'UPDATE {_table} SET repetitions{_s} = 0 WHERE repetitions{_s} < 0',
            f'UPDATE {_table} SET ease_hundredths{_s} = 130 WHERE ease_hundredths{_s} < 130',
            f'UPDATE {_table} SET interval_days{_s} = 0 WHERE interval_days{_s} < 0',
            f'UPDATE {_table} SET interval_days{_s} = {MAX_INTERVAL} WHERE interval_days{_s} > {MAX_INTERVAL}',
            f'UPDATE {_table} SET interval_days{_s} = 1 WHERE repetitions{_s} >= 2 AND interval_days{_s} < 1',
        ]
FIXES += [
    'UPDATE review_states SET lapses = 0 WHERE lapses < 0',
    'UPDATE review_log SET lapses_before = 0 WHERE lapses_before < 0',
    'UPDATE review_log SET grade = 0 WHERE grade < 0',
    'UPDATE review_log SET grade = 5 WHERE grade > 5',
]


def display_name(source_path):
    """What pages call a deck stored before this revision: the uploaded name, or the file's own name."""
    if source_path.startswith('upload:'):
        return source_path[len('upload:'):]
    return PureWindowsPath(PurePosixPath(source_path).name).name or source_path


def upgrade():
    # Plain ADD COLUMN (no batch mode) for the decks.
    op.add_column('decks', sa.Column('source_text', sa.Text(), nullable=True))
    op.add_column('decks', sa.Column('source_name', sa.String(length=1000), nullable=True))
    bind = op.get_bind()
    decks = sa.table('decks', sa.column('id', sa.Integer), sa.column('source_path', sa.String),
                     sa.column('source_name', sa.String))
    for deck_id, source_path in bind.execute(sa.select(decks.c.id, decks.c.source_path)).all():
        bind.execute(decks.update().where(decks.c.id == deck_id).values(source_name=display_name(source_path)))

    # The counter triggers see these updates, so the counters stay in step.
    for statement in FIXES:
        op.execute(statement)

    if bind.dialect.name == 'sqlite':
        # SQLite adds a CHECK only by copying the table (batch mode), which drops the counter triggers.
        for table, checks in CHECKS:
            with op.batch_alter_table(table, recreate='always') as batch_op:
                for name, condition in checks:
                    batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), sa.text(condition))
        counters.install(bind)
    else:
        for table, checks in CHECKS:
            for name, condition in checks:
                op.create_check_constraint(op.f(f'ck_{table}_{name}'), table, sa.text(condition))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for table, checks in CHECKS:
            with op.batch_alter_table(table, recreate='always') as batch_op:
                for name, _condition in checks:
                    batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        counters.install(bind)
    else:
        for table, checks in CHECKS:
            for name, _condition in checks:
                op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.drop_column('source_name')
        batch_op.drop_column('source_text')
