"""Core of Sổ Tổ CNSCĐ: the encrypted store, the peewee models, rules, services
and Vietnamese text handling. Never imports Textual; submodules are imported
lazily (``from models import services``) so start-up stays fast."""
