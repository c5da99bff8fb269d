"""Importers from the French research infrastructure (HAL, theses.fr, BibTeX).

Each source module reads its format into records; ``base.import_records`` reconciles
them with what the portal holds and writes them.
"""
