"""The Pulumi program that provisions one OpenBrain stage (``pulumi up`` runs ``__main__.py``)."""
