"""Writes of the onboarding app, one module per subject: accounts, eligibility, cases,
documents, screening, wallets, retention."""
