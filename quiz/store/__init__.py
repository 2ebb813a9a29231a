"""Operations on the database that views and CLI commands share, one module per concern.

- ``days``: users by name, the user's study day (``local_today``), the daily limits;
- ``importing``: notes files, folders and uploads in; ``decks`` writes a parsed note as a deck
  (topics, cards, review states), ``matching`` pairs its cards with the stored ones;
- ``queue``: the next card and why it comes (due, new, drill);
- ``grading``: a grade (the pure step ``review_card`` on a stored ``Schedule``), undo, the
  session summary;
- ``progress``: counts per topic, today's overview, the charts' data;
- ``browser``: the card browser, a card's wording, history, source lines and choices;
- ``exporting``: the Anki export (``export_package``), its cards and stamps;
- ``media``: a deck's images: read at import (inside the folder given), checked and kept, served to
  their owner, handed to the Anki export under flat names;
- ``anki_importing``: an Anki package (read by ``quiz.anki_package``) in: one deck per top-level
  Anki deck, its cards, states and review log, in bulk;
- ``scopes``: the conditions queries share: in the quiz, the stages, what a user owns, a topic
  with its subtopics.

Import a function from the module that owns it (``from quiz.store.grading import record_grade``);
this package re-exports nothing.  Functions add and flush; the caller (a view or a CLI command)
commits once, so every operation is one transaction: an import that fails midway leaves the
database as it was.
"""
