"""Reading the number of the ticket an exchange replaces."""

from pathlib import Path

import pytest

from core.ticket_parser.documents import document_texts
from core.ticket_parser.exchanges import original_ticket_number

CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        (
            "                EXCHANGE 7820340765620/E12\nORIGINAL ISSUE:7820340765620  23MAYPTY/IPA222290\n",
            "7820340765620",
        ),
        # The EXCHANGE line lost the prefix's leading zero; ORIGINAL ISSUE has it.
        ("    EXCHANGE  520390102713/E2\nORIGINAL ISSUE:0520390102713  26SEPPTY/IPA222290\n", "0520390102713"),
        ("    EXCHANGE  520390102713/E2\n", "0520390102713"),
        ("ORIGINAL ISSUE: 782-0340765620 23MAYPTY\n", "7820340765620"),
        ("FO 717-5458159027CCS25OCT14/95510236/717-5458159027\nFP O/CASH\n", "7175458159027"),
        ("FO 7175458159027CCS25OCT14/95510236\n", "7175458159027"),
    ],
    ids=["kiu", "kiu-cut-prefix", "kiu-exchange-line-only", "kiu-dashed", "amadeus-fo", "amadeus-fo-undashed"],
)
def test_original_ticket_number_is_read(text: str, number: str) -> None:
    assert original_ticket_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "TICKET NUMBER/NRO DE BOLETO : 782-0340795460\nTOTAL : USD 65.00\n",
        # Prose about exchanges is not an exchange line.
        "PERMITIDO EL PRIMER CAMBIO (EXCHANGE) DE FECHA SIN PENALIDAD\n",
        "FOR TAX/FEE DETAILS USE TWD/TAX\nFOP CASH\n",
    ],
    ids=["empty", "plain-ticket", "prose", "amadeus-for-line"],
)
def test_documents_without_an_original_issue_give_none(text: str) -> None:
    assert original_ticket_number(text) is None


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("006_kiu.eml", "7820340765620"),
        ("031_kiu.eml", "3640260483390"),
        ("038_kiu.eml", "0520390102713"),
        ("048_kiu.eml", "7420307358095"),
        ("098_amadeus.txt", "7175458159027"),
    ],
)
def test_corpus_exchanges_name_their_original(name: str, number: str) -> None:
    texts = document_texts((CORPUS / name).read_bytes())
    assert {original_ticket_number(text) for text in texts} == {number}


def test_corpus_tickets_that_are_not_exchanges_name_none() -> None:
    for name in ("001_kiu.eml", "007_kiu.eml", "055_sabre.txt", "094_amadeus.txt", "104_airline_web.eml"):
        texts = document_texts((CORPUS / name).read_bytes())
        assert {original_ticket_number(text) for text in texts} == {None}, name
