from core.models.accounting import Account, JournalEntry, JournalLine
from core.models.analytics import AnalyticsEvent, DailyMetric, ExternalApiLog, ListingView, UserActivity
from core.models.catalogs import Airline, Airport, City, Country, Currency
from core.models.idempotency import IdempotentRequest
from core.models.invoicing import Invoice, InvoiceLine, InvoiceSeries
from core.models.notifications import (
    Channel,
    Notification,
    NotificationDelivery,
    NotificationOptOut,
    NotificationPreference,
)
from core.models.parties import Client, Product, Supplier
from core.models.sales import Payment, Sale, SaleItem
from core.models.tasks import TaskMessage
from core.models.tickets import ImportedTicket, TicketDocument, TicketSegment
from core.models.users import ApiToken, User
from core.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSubscription

__all__ = [
    "Account",
    "Airline",
    "Airport",
    "AnalyticsEvent",
    "ApiToken",
    "Channel",
    "City",
    "Client",
    "Country",
    "Currency",
    "DailyMetric",
    "ExternalApiLog",
    "IdempotentRequest",
    "ImportedTicket",
    "Invoice",
    "InvoiceLine",
    "InvoiceSeries",
    "JournalEntry",
    "JournalLine",
    "ListingView",
    "Notification",
    "NotificationDelivery",
    "NotificationOptOut",
    "NotificationPreference",
    "Payment",
    "Product",
    "Sale",
    "SaleItem",
    "Supplier",
    "TaskMessage",
    "TicketDocument",
    "TicketSegment",
    "User",
    "UserActivity",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookSubscription",
]
