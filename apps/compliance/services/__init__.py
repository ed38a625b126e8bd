"""Writes of the compliance back office, one module per subject: decisions, rules,
exports, notifications, second factor, officers."""
