"""The ledger: balances and its invariant, patient payments, packages, who owes what."""
