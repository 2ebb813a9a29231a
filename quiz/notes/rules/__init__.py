"""The rules that propose cards, one module per family; `quiz.notes.walk` chains them."""
