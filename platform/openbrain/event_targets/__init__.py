"""Lambda adapters over :mod:`openbrain.runtime`: the SQS event-target handler and the
outbox sweeper. The targets themselves live in :mod:`openbrain.events.targets`."""
