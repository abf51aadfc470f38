from core.models.catalogs import Airline, Airport, City, Country, Currency
from core.models.users import User

__all__ = ["Airline", "Airport", "City", "Country", "Currency", "User"]
