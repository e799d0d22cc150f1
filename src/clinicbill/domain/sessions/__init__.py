"""Sessions (encounters): entry, service lines and units, notes, signing and addenda."""
