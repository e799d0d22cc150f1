"""The practice and who it bills for: providers, payers, patients, payer profiles, look-ups."""
