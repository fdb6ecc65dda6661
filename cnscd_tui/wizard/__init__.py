"""The import wizard's parts: one widget per step (``file_step``, ``map_step``,
``preview_step``, ``result_step``), its pop-up forms, its messages, and the reading and
writing that run in workers (``work``). ``cnscd_tui.import_screen`` sequences them.

Nothing is imported here: the wizard loads when the clerk opens it."""
