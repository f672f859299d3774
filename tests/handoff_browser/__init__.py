"""The hand-off journey in Chromium, in a package of its own: it runs its own ``ob-tuner``
(the loopback model, a tenant for its site), and ``ob-tuner`` builds the dashboard into the
checkout's ``admin_ui/.web``. Two at once would rebuild each other's frontend, so this one
must not overlap the package-scoped ``ob-tuner`` of ``tests/admin_ui``: pytest tears that
down when its package ends, before this package starts."""
