import unicodedata


def search_key(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of `text` for prefix search
    ("  Málaga " and "malaga" give the same key)."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(without_marks.casefold().split())
