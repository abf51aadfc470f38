from core.models.accounting import Account, JournalEntry, JournalLine
from core.models.catalogs import Airline, Airport, City, Country, Currency
from core.models.invoicing import Invoice, InvoiceLine, InvoiceSeries
from core.models.parties import Client, Product, Supplier
from core.models.sales import Payment, Sale, SaleItem
from core.models.tickets import ImportedTicket, TicketDocument, TicketSegment
from core.models.users import User

__all__ = [
    "Account",
    "Airline",
    "Airport",
    "City",
    "Client",
    "Country",
    "Currency",
    "ImportedTicket",
    "Invoice",
    "InvoiceLine",
    "InvoiceSeries",
    "JournalEntry",
    "JournalLine",
    "Payment",
    "Product",
    "Sale",
    "SaleItem",
    "Supplier",
    "TicketDocument",
    "TicketSegment",
    "User",
]
