"""Defaults of `hpargparse.bind` (names kept from hpargparse 0.14)."""
HP_SERIAL_FORMAT_DEFAULT = "auto"
HP_SERIAL_FORMAT_CHOICES = ["auto", "yaml", "json", "pickle"]
HP_ACTION_PREFIX_DEFAULT = "hp"
