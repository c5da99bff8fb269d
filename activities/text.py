"""Text normalisation shared by duplicate detection and the importers' reconciliation."""

import re
import unicodedata

DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalised(text: str | None) -> str:
    """ "L’Air intérieur : QAI-Sport" and "l'air interieur qai sport" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = bare.casefold().replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def normalised_doi(doi: str | None) -> str:
    """ "https://doi.org/10.1/X" and "10.1/x" are the same DOI."""
    return DOI_PREFIX.sub("", (doi or "").strip()).lower()
