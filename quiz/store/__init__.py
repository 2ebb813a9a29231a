"""Operations on the database that views and CLI commands share, one module per concern.

For one commit the package re-exports ``quiz.store.importing`` (the old ``quiz/store.py`` under its
new name) while its other concerns move out to modules of their own.
"""

from quiz.store.importing import *  # noqa: F403
