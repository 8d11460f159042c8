"""One module per kind of practice problem; each has ``generate(seed=0, ops=None, **options)``."""
