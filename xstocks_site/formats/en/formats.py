"""English date formats of the pages (FORMAT_MODULE_PATH): day before month, no
abbreviation dots (5 Jan 2026). Figures are formatted by apps.core.formatting, not here."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
