def parse(text: str) -> list[dict]:
    return []
