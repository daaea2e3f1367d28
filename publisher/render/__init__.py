"""Renderers: one module per output format, each with the same face ``render(plan, lang, out)``."""
