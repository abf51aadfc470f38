"""A test-only app that extends the platform the way bookings and chat do —
a notification kind, a webhook event type, a cache namespace, a cached
route's Cache-Control and a periodic task — without a line in core. Installed
by project.settings_test."""
