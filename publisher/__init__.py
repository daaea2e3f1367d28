"""publisher: the provincial child-protection action plans of Morocco, from sources to DOCX and PDF."""

__version__ = "0.1.0"
