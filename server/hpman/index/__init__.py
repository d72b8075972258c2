"""The static index: files → facts → problems and queries. No editor imports here."""
