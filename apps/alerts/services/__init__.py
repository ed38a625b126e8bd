"""Writes of the alerts app, one module per subject: `subscriptions` (subscribe, confirm,
unsubscribe, pruning) and `deliveries` (who gets which event, claiming and sending)."""
