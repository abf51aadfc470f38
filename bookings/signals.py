"""What the rentals app tells other apps, without knowing them."""

from django.dispatch import Signal

# Sent by booking_create inside its transaction, with `booking`: a receiver
# that writes joins the transaction (a rolled-back booking leaves nothing).
booking_created = Signal()
