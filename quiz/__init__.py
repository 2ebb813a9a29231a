"""Wengu (温故): study notes in Markdown become flashcards, quizzed on the SM-2 schedule.

The package is layered; a module imports only from its own layer and the ones listed before it:

- the domain core, with no Flask and no database: ``notes`` (Markdown → card drafts), ``sm2``
  (the scheduler), ``answers`` (a typed command against the card's), ``render`` (Markdown → safe
  HTML), ``export`` (Anki ``.apkg``), ``anki_schedule`` (SM-2 state and review log as Anki's),
  ``anki_cards`` (Anki notes as Wengu cards: kinds and safe text),
  ``charts`` (SVG charts), ``uploads`` (uploaded files and zips → notes), ``media`` (a note's images:
  their names, types and references), ``limits`` (the value ranges) and ``i18n`` (messages raised in
  English, shown translated);
- the database layer: ``models`` (typed SQLAlchemy models), ``counters`` (the triggers that keep
  the counter tables), the ``store`` package (queries and the operations that views and CLI
  commands share, one module per concern), ``accounts`` (users, passwords, login limits),
  ``pending`` (a browser import between upload and confirm) and ``backup`` (one user's data to a
  file and back);
- the web layer, kept thin: ``forms``, ``views``, ``auth`` (accounts in the browser), ``errors``
  (error pages and the guards before every view), ``import_jobs`` (a browser import's steps, in the
  request or in a thread) and ``cli``.
"""
