"""Traditional Chinese formats of the pages (FORMAT_MODULE_PATH): dates as Taiwan and
Hong Kong write them (2026年1月5日 14:30); figures with the comma every three digits that
financial statements in Taiwan and Hong Kong use (Django's zh_Hant groups by four without
a separator), the same as apps.core.formatting writes them in every language."""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
TIME_FORMAT = "H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
