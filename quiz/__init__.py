"""Wengu (温故): study notes in Markdown become flashcards, quizzed on the SM-2 schedule.

The package is layered:

- the domain core, with no Flask imports: ``notes`` (Markdown → card drafts),
  ``sm2`` (the scheduler), ``render`` (Markdown → safe HTML), ``export`` (Anki);
- the database layer: ``models`` (typed SQLAlchemy models) and the ``store`` package
  (queries and the operations that views and CLI commands share, one module per concern);
- the web layer, kept thin: ``forms``, ``views``, ``cli``.
"""
