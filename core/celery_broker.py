"""The Redis broker transport, made to survive a Redis restart under a
busy worker."""

from kombu.transport import redis


class Transport(redis.Transport):
    # When Redis goes away, Celery 5.7.0 collects the worker's connection,
    # which detaches it from this transport, and then closes it. The close,
    # and the acknowledgement of any task that was running meanwhile, go
    # through channels of this transport that still need the connection's
    # host and port; without them each raised AttributeError, which ended
    # the worker ("Unrecoverable error: ... 'hostname'"). Keeping the
    # reference turns those into ordinary connection errors, which Celery
    # handles by reconnecting.
    @property
    def client(self):
        return self._client

    @client.setter
    def client(self, value):
        if value is not None:
            self._client = value
