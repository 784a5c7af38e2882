"""One reading of phone numbers: E.164 with the dial plan's country, digits for the line."""

from faxgw.phone import digits, e164


def test_a_national_number_gets_the_country_code():
    assert e164("5550100", "1") == "+15550100"
    assert e164("+1 555-0100", "1") == "+15550100"
    assert e164("030 123456", "49", "0") == "+4930123456"
    assert e164("+4930123456", "1") == "+4930123456"


def test_without_a_country_code_a_national_number_stays_as_typed():
    assert e164("555 0100") == "5550100"


def test_digits_are_what_tsis_are_compared_by():
    assert digits("+1 5550102") == digits("+15550102") == "15550102"
